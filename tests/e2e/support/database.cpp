#include "support/database.h"

#include <doctest/doctest.h>

#include "support/store.h"

namespace e2e {

std::filesystem::path db_path(const TempProject& p) { return p.root() / ".drover/drover.db"; }

std::string store_of(const TempProject& p) {
  return p.store().empty() ? db_path(p).string() : p.store();
}

std::string sql(const TempProject& p, const std::string& script) {
  Run r = on_postgresql()
              ? psql(p.store(), script)
              : command({"sqlite3", "-cmd", ".timeout 10000", db_path(p).string(), script});
  const std::string shell = on_postgresql() ? "psql" : "sqlite3";
  INFO(shell << ": " << script << "\nstderr: " << r.err);
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

namespace e2e {

std::string json_field(const std::string& column, const std::string& key) {
  if (!on_postgresql()) return "CAST(json_extract(" + column + ", '$." + key + "') AS TEXT)";
  const std::string v = "(CAST(" + column + " AS json) ->> '" + key + "')";
  return "(CASE " + v + " WHEN 'true' THEN '1' WHEN 'false' THEN '0' ELSE " + v + " END)";
}

std::string millis_between(const std::string& from, const std::string& to) {
  if (!on_postgresql())
    return "CAST(round((julianday(" + to + ") - julianday(" + from + ")) * 86400000) AS INTEGER)";
  return "CAST(round(extract(epoch FROM (CAST(" + to + " AS timestamptz) - CAST(" + from +
         " AS timestamptz))) * 1000) AS INTEGER)";
}

std::string seconds_since(const std::string& column) {
  if (!on_postgresql()) return "((julianday('now') - julianday(" + column + ")) * 86400)";
  return "extract(epoch FROM (clock_timestamp() - CAST(" + column + " AS timestamptz)))";
}

std::string now_timestamp() {
  if (!on_postgresql()) return "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')";
  return "to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS.MS\"Z\"')";
}

std::string local_day(const std::string& timestamp) {
  if (!on_postgresql()) return "date(" + timestamp + ", 'localtime')";
  return "to_char(CAST(" + timestamp + " AS timestamptz), 'YYYY-MM-DD')";
}

std::string fixed10(const std::string& number) {
  if (!on_postgresql()) return "printf('%.10f', " + number + ")";
  return "round(CAST(coalesce(" + number + ", 0) AS numeric), 10)";
}

std::string joined(const std::string& text) {
  return on_postgresql() ? "string_agg(" + text + ", ',')" : "group_concat(" + text + ", ',')";
}

std::string schema_version_query() {
  return on_postgresql() ? "SELECT max(version) FROM drover_schema" : "PRAGMA user_version";
}

void remove_database(const TempProject& p) {
  if (on_postgresql()) {
    const std::string schema = sql(p, "SELECT current_schema()");
    sql(p, "DROP SCHEMA " + schema + " CASCADE; CREATE SCHEMA " + schema);
    return;
  }
  for (const char* suffix : {"", "-wal", "-shm"})
    std::filesystem::remove(db_path(p).string() + suffix);
}

void refuse_inserts(const TempProject& p, const std::string& name, const std::string& table,
                    const std::string& when, const std::string& message) {
  if (!on_postgresql()) {
    sql(p, "CREATE TRIGGER " + name + " BEFORE INSERT ON " + table +
               (when.empty() ? "" : " WHEN " + when) + " BEGIN SELECT RAISE(ABORT, '" + message +
               "'); END;");
    return;
  }
  sql(p, "CREATE FUNCTION " + name + "_fn() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN " +
             "RAISE EXCEPTION '" + message + "'; END $$; CREATE TRIGGER " + name +
             " BEFORE INSERT ON " + table + " FOR EACH ROW" +
             (when.empty() ? "" : " WHEN (" + when + ")") + " EXECUTE FUNCTION " + name + "_fn()");
}

}  // namespace e2e
