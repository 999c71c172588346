#include "support/store.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>

namespace e2e {

namespace {

const char* pg_base() {
  const char* v = std::getenv("DROVER_E2E_PG");
  return v != nullptr && *v != '\0' ? v : nullptr;
}

}  // namespace

bool on_postgresql() { return pg_base() != nullptr; }

bool skip_on_postgresql(const char* why) {
  if (!on_postgresql()) return false;
  MESSAGE("skipped on PostgreSQL: " << why);
  return true;
}

Run psql(const std::string& uri, const std::string& script) {
  // Read from stdin, each statement runs on its own as in the sqlite3 shell (-c would run
  // them in one transaction); -q leaves out the command tags (INSERT 0 1).
  return command({"psql", "-X", "-q", "-At", "-F", "|", "-v", "ON_ERROR_STOP=1", "-d", uri},
                 with_stdin(script + ";\n"));
}

PgSchema::PgSchema() {
  static int counter = 0;
  const std::string base = pg_base();
  name_ = "e2e_" + std::to_string(::getpid()) + "_" + std::to_string(++counter);
  Run r = psql(base, "DROP SCHEMA IF EXISTS " + name_ + " CASCADE; CREATE SCHEMA " + name_);
  INFO("psql: " << r.err);
  REQUIRE(r.code == 0);
  uri_ =
      base + (base.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + name_;
}

PgSchema::~PgSchema() { (void)psql(pg_base(), "DROP SCHEMA IF EXISTS " + name_ + " CASCADE"); }

}  // namespace e2e
