#pragma once
// Looking at a database without changing it (for `drover doctor`): no migration, no
// pragmas that write, so a damaged or newer file can be reported instead of refused.
// A postgresql:// target is looked at over a connection: its schema version (0 when the
// database has no drover tables) and whether a query runs.
#include <filesystem>
#include <string>

#include "core/result.h"

namespace drover::store {

struct DatabaseHealth {
  int schema_version = 0;  // PRAGMA user_version as found on disk (PostgreSQL: drover_schema)
  std::string integrity;   // PRAGMA integrity_check: "ok" or the problems, one per line
};

// Errors: not_found when the file is missing; failed when SQLite cannot read it
// ("file is not a database", …), with SQLite's message, or the server cannot be reached.
Result<DatabaseHealth> inspect_database(const std::filesystem::path& path);

}  // namespace drover::store
