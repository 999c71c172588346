#pragma once
// The project database, read and written behind drover's back through the sqlite3 shell
// (another process, as an operator's would be): queries, and session rows made by hand.
// On PostgreSQL (support/store.h) through psql on the project's schema, with the same
// output; a script must then be SQL both engines accept.
#include <filesystem>
#include <string>

#include "support/project.h"

namespace e2e {

std::filesystem::path db_path(const TempProject& p);  // .drover/drover.db
// What DROVER_STORE must say for another checkout to use this project's database.
std::string store_of(const TempProject& p);

// Runs an SQL script with the sqlite3 shell (waiting up to 10 s on locks) or psql, asserting
// success; returns its output in sqlite3's list mode (columns joined by '|', NULL as
// nothing, one line per row) without the trailing newlines.
std::string sql(const TempProject& p, const std::string& script);
// A query for one number; no row reads as 0.
long long sql_int(const TempProject& p, const std::string& query);

// Inserts a session row the way `sling` would leave it, in the given state (runtime
// claude, no turn yet).
void add_session(const TempProject& p, const std::string& name, const std::string& capability,
                 const std::string& state, const std::string& task = "");

}  // namespace e2e

namespace e2e {

// SQL the two engines spell differently, as an expression for sql() (support/store.h):
// a JSON field of a TEXT column as text ("1", "0" for true and false, NULL when absent);
std::string json_field(const std::string& column, const std::string& key);
// the milliseconds from one ISO-8601 timestamp column to another, rounded, as an integer;
std::string millis_between(const std::string& from, const std::string& to);
// the seconds since an ISO-8601 timestamp column (a real number);
std::string seconds_since(const std::string& column);
// now as drover writes timestamps (2026-01-02T03:04:05.678Z, UTC);
std::string now_timestamp();
// the local day (YYYY-MM-DD) of an ISO-8601 timestamp (PostgreSQL: the server's time zone);
std::string local_day(const std::string& timestamp);
// a number with exactly 10 decimals (SQLite's printf('%.10f', x));
std::string fixed10(const std::string& number);
// the aggregate joining `text` of each row with ','; the query for the schema version.
std::string joined(const std::string& text);
std::string schema_version_query();

// Takes the project's database away: the SQLite file (with its -wal and -shm), or every
// table of the project's PostgreSQL schema (an empty schema, as before `drover init`).
void remove_database(const TempProject& p);

// Makes the database refuse every INSERT into `table` for which `when` holds (SQL over
// NEW, e.g. "NEW.name = 'c'"; "" for every row) with `message`: a failing write injected
// into drover's transaction (a trigger named `name`).
void refuse_inserts(const TempProject& p, const std::string& name, const std::string& table,
                    const std::string& when, const std::string& message);

}  // namespace e2e
