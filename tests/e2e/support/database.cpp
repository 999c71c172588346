#include "support/database.h"

#include <doctest/doctest.h>

namespace e2e {

std::filesystem::path db_path(const TempProject& p) { return p.root() / ".drover/drover.db"; }

std::string store_of(const TempProject& p) { return db_path(p).string(); }

std::string sql(const TempProject& p, const std::string& script) {
  Run r = command({"sqlite3", "-cmd", ".timeout 10000", db_path(p).string(), script});
  INFO("sqlite3: " << script << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}

long long sql_int(const TempProject& p, const std::string& query) {
  auto s = sql(p, query);
  return s.empty() ? 0 : std::stoll(s);
}

void add_session(const TempProject& p, const std::string& name, const std::string& capability,
                 const std::string& state, const std::string& task) {
  sql(p,
      "INSERT INTO sessions (name, capability, runtime, state, created_at, last_activity, task) "
      "VALUES ('" +
          name + "','" + capability + "','claude','" + state +
          "','2026-01-01T00:00:00.000Z','2026-01-01T00:00:00.000Z','" + task + "')");
}

}  // namespace e2e
