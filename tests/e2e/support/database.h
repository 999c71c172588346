#pragma once
// The project database, read and written behind drover's back through the sqlite3 shell
// (another process, as an operator's would be): queries, and session rows made by hand.
#include <filesystem>
#include <string>

#include "support/project.h"

namespace e2e {

std::filesystem::path db_path(const TempProject& p);  // .drover/drover.db
// What DROVER_STORE must say for another checkout to use this project's database.
std::string store_of(const TempProject& p);

// Runs an SQL script with the sqlite3 shell (waiting up to 10 s on locks), asserting
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
