#pragma once
// Where PostgreSQL's SQL differs from the SQLite the repositories and migrations are
// written in, as text rewrites (store-internal, pure; tested in
// tests/unit/store_pg_dialect_test.cpp). Differences a rewrite cannot carry are chosen by
// Connection::dialect() where the SQL is written (docs/decisions.md lists both kinds).
#include <string>
#include <string_view>

namespace drover::store {

// `?` parameters → `$1`, `$2`, … (not inside '…' literals, "…" names or -- comments).
// `count` receives how many there were.
std::string pg_placeholders(std::string_view sql, int& count);

// A migration's DDL: INTEGER PRIMARY KEY → an identity column, INTEGER → BIGINT (SQLite's
// integers are 64-bit), REAL → DOUBLE PRECISION.
std::string pg_ddl(std::string_view sqlite_sql);

// SET LOCAL TIME ZONE to this process's local zone (TZ when it is set, else the system's
// 'localtime'), for SQL that reads local days as SQLite's 'localtime' does.
std::string pg_set_local_zone();

// The URI with its password (if any) replaced by "***", for messages.
std::string pg_redacted(std::string_view uri);

}  // namespace drover::store
