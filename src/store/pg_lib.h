#pragma once
// libpq, loaded when a PostgreSQL store is first opened (dlopen of libpq.so.5) rather than
// linked: libpq brings OpenSSL, Kerberos and LDAP with it, and every drover command on the
// default SQLite store would pay for loading them at start-up (docs/decisions.md).
// Store-internal (src/store/pg_*.cpp and commit_watch.cpp only).
#include <libpq-fe.h>

namespace drover::store {

struct PgLib {
  decltype(&PQconnectdb) connectdb;
  decltype(&PQstatus) status;
  decltype(&PQerrorMessage) error_message;
  decltype(&PQfinish) finish;
  decltype(&PQexec) exec;
  decltype(&PQexecParams) exec_params;
  decltype(&PQprepare) prepare;
  decltype(&PQexecPrepared) exec_prepared;
  decltype(&PQresultStatus) result_status;
  decltype(&PQresultErrorMessage) result_error_message;
  decltype(&PQclear) clear;
  decltype(&PQntuples) ntuples;
  decltype(&PQgetvalue) getvalue;
  decltype(&PQgetlength) getlength;
  decltype(&PQgetisnull) getisnull;
  decltype(&PQcmdTuples) cmd_tuples;
  decltype(&PQcmdStatus) cmd_status;
  decltype(&PQsetNoticeProcessor) set_notice_processor;
  decltype(&PQsocket) socket;
  decltype(&PQconsumeInput) consume_input;
  decltype(&PQnotifies) notifies;
  decltype(&PQfreemem) freemem;
};

// The loaded library; throws DbError when libpq is not installed.
const PgLib& pg_lib();

}  // namespace drover::store
