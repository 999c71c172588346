#include "store/pg_lib.h"

#include <dlfcn.h>

#include <mutex>
#include <optional>
#include <string>

#include "store/db.h"

namespace drover::store {

namespace {

template <class F>
void pg_symbol(void* lib, F& out, const char* name) {
  void* p = dlsym(lib, name);
  if (p == nullptr) throw DbError(std::string("libpq.so.5 has no ") + name);
  out = reinterpret_cast<F>(p);
}

PgLib load_pg_lib() {
  void* lib = dlopen("libpq.so.5", RTLD_NOW | RTLD_LOCAL);
  if (lib == nullptr)
    throw DbError(std::string("a postgresql:// store needs libpq (install libpq5): ") + dlerror());
  PgLib l{};
  pg_symbol(lib, l.connectdb, "PQconnectdb");
  pg_symbol(lib, l.status, "PQstatus");
  pg_symbol(lib, l.error_message, "PQerrorMessage");
  pg_symbol(lib, l.finish, "PQfinish");
  pg_symbol(lib, l.exec, "PQexec");
  pg_symbol(lib, l.exec_params, "PQexecParams");
  pg_symbol(lib, l.prepare, "PQprepare");
  pg_symbol(lib, l.exec_prepared, "PQexecPrepared");
  pg_symbol(lib, l.result_status, "PQresultStatus");
  pg_symbol(lib, l.result_error_message, "PQresultErrorMessage");
  pg_symbol(lib, l.clear, "PQclear");
  pg_symbol(lib, l.ntuples, "PQntuples");
  pg_symbol(lib, l.getvalue, "PQgetvalue");
  pg_symbol(lib, l.getlength, "PQgetlength");
  pg_symbol(lib, l.getisnull, "PQgetisnull");
  pg_symbol(lib, l.cmd_tuples, "PQcmdTuples");
  pg_symbol(lib, l.cmd_status, "PQcmdStatus");
  pg_symbol(lib, l.set_notice_processor, "PQsetNoticeProcessor");
  pg_symbol(lib, l.socket, "PQsocket");
  pg_symbol(lib, l.consume_input, "PQconsumeInput");
  pg_symbol(lib, l.notifies, "PQnotifies");
  pg_symbol(lib, l.freemem, "PQfreemem");
  return l;  // the library stays loaded for the life of the process
}

}  // namespace

const PgLib& pg_lib() {
  static std::mutex m;
  static std::optional<PgLib> lib;
  std::lock_guard<std::mutex> g(m);
  if (!lib) lib = load_pg_lib();
  return *lib;
}

}  // namespace drover::store
