#pragma once
// What an SQLite failure means for the user (store-internal): a locked database, a
// read-only file, a full disk (core/disk_full.h), or SQLite's own message.
#include <exception>
#include <filesystem>

#include "core/result.h"

struct sqlite3;

namespace SQLite {
class Exception;
}

namespace drover::store {

bool is_sqlite_busy(const SQLite::Exception& e);
// Whether SQLite failed for want of space (`db` may be null).
bool is_sqlite_full(const SQLite::Exception& e, sqlite3* db, const std::filesystem::path& path);
// The error reported for `e`, raised on the database at `path` (`db` may be null).
Error sqlite_error(const std::filesystem::path& path, const std::exception& e, sqlite3* db);

}  // namespace drover::store
