#pragma once
// Which database the end-to-end tests run drover against. By default each project has its
// own SQLite file (.drover/drover.db). With DROVER_E2E_PG set to a PostgreSQL connection
// base (a postgresql:// URI such as scripts/pg-cluster prints), each project gets a fresh
// schema on that server instead, named to drover by DROVER_STORE, and dropped at the end
// of the test.
#include <string>

#include "support/command.h"

namespace e2e {

// Whether the tests run against PostgreSQL (DROVER_E2E_PG is set). A test about SQLite
// itself (its file, its shell) returns early there with a MESSAGE saying why.
bool on_postgresql();
// on_postgresql(), saying (MESSAGE) that the test is skipped there and why.
bool skip_on_postgresql(const char* why);

// A schema of its own on the DROVER_E2E_PG server, for one project.
class PgSchema {
 public:
  PgSchema();   // creates it (fails the test when the server cannot be reached)
  ~PgSchema();  // drops it with everything in it
  PgSchema(const PgSchema&) = delete;
  PgSchema& operator=(const PgSchema&) = delete;
  // The URI that selects the schema (search_path in the connection's options).
  const std::string& uri() const { return uri_; }

 private:
  std::string name_;
  std::string uri_;
};

// Runs an SQL script on `uri` (stopping at the first error), in sqlite3's list format:
// columns joined by '|', NULL as nothing, one line per row. Through libpq on a connection
// the test process keeps, not a psql process; a failure gives psql's exit code and message.
Run psql(const std::string& uri, const std::string& script);

}  // namespace e2e
