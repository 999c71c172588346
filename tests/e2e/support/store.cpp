#include "support/store.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <libpq-fe.h>

#include <cstdlib>
#include <map>

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

namespace {

// One connection per URI and thread, kept for the test process's life (a new connection
// costs ~15 ms of the server's time, and a psql process twice that; waits poll through
// here). libpq opens its socket close-on-exec, so the commands a test runs do not inherit
// it. Threads keep their own: a PGconn is not to be shared between threads.
struct PgConnections {
  std::map<std::string, PGconn*> by_uri;
  ~PgConnections() {
    for (auto& [uri, c] : by_uri) PQfinish(c);
  }
  PGconn* get(const std::string& uri) {
    auto it = by_uri.find(uri);
    if (it != by_uri.end() && PQstatus(it->second) == CONNECTION_OK) return it->second;
    if (it != by_uri.end()) {
      PQfinish(it->second);
      by_uri.erase(it);
    }
    PGconn* c = PQconnectdb(uri.c_str());
    PQsetNoticeProcessor(
        c, [](void*, const char*) {}, nullptr);  // psql -q: no NOTICEs
    by_uri[uri] = c;                             // kept even when bad: the caller reports its error
    return c;
  }
  void forget(const std::string& uri) {
    auto it = by_uri.find(uri);
    if (it == by_uri.end()) return;
    PQfinish(it->second);
    by_uri.erase(it);
  }
};
thread_local PgConnections connections;

std::string without_newline(std::string s) {
  while (!s.empty() && s.back() == '\n') s.pop_back();
  return s;
}

}  // namespace

Run psql(const std::string& uri, const std::string& script) {
  // The statements go in one simple-query message: libpq returns a result per statement,
  // and they run in one implicit transaction, stopping at the first error (psql's
  // ON_ERROR_STOP). Rows print as psql -At -F '|' prints them; the exit code of a failure
  // is psql's for an error in the script (3).
  Run r;
  PGconn* c = connections.get(uri);
  if (PQstatus(c) != CONNECTION_OK) {
    r.code = 2;
    r.err = "connecting to " + uri + ": " + without_newline(PQerrorMessage(c));
    connections.forget(uri);
    return r;
  }
  if (PQsendQuery(c, script.c_str()) == 0) {
    r.code = 2;
    r.err = without_newline(PQerrorMessage(c));
    connections.forget(uri);
    return r;
  }
  r.code = 0;
  while (PGresult* res = PQgetResult(c)) {
    switch (PQresultStatus(res)) {
      case PGRES_TUPLES_OK:
        for (int row = 0; row < PQntuples(res); ++row) {
          for (int col = 0; col < PQnfields(res); ++col) {
            if (col > 0) r.out += '|';
            if (!PQgetisnull(res, row, col)) r.out += PQgetvalue(res, row, col);
          }
          r.out += '\n';
        }
        break;
      case PGRES_COMMAND_OK:
      case PGRES_EMPTY_QUERY: break;
      default:
        r.code = 3;
        if (r.err.empty()) r.err = without_newline(PQresultErrorMessage(res));
        break;
    }
    PQclear(res);
  }
  return r;
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

PgSchema::~PgSchema() {
  connections.forget(uri_);
  (void)psql(pg_base(), "DROP SCHEMA IF EXISTS " + name_ + " CASCADE");
}

}  // namespace e2e
