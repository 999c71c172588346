#include "store/sqlite_errors.h"

#include <SQLiteCpp/Exception.h>
#include <sqlite3.h>

#include <optional>

#include "core/disk_full.h"

namespace drover::store {

namespace fs = std::filesystem;

namespace {

// An I/O error with less room than this left is taken for a full disk.
constexpr std::uintmax_t kFullBelow = 64 * 1024;

std::optional<std::uintmax_t> free_space(const fs::path& path) {
  std::error_code ec;
  auto space = fs::space(path.parent_path().empty() ? fs::path(".") : path.parent_path(), ec);
  if (ec) return std::nullopt;
  return space.available;
}

}  // namespace

bool is_sqlite_busy(const SQLite::Exception& e) {
  return e.getErrorCode() == SQLITE_BUSY || e.getErrorCode() == SQLITE_LOCKED;
}

// SQLITE_FULL, or an I/O error (growing the -shm file, say) whose errno was ENOSPC, or any
// I/O error while the disk has no room.
bool is_sqlite_full(const SQLite::Exception& e, sqlite3* db, const fs::path& path) {
  int code = e.getErrorCode() & 0xff;
  if (code == SQLITE_FULL) return true;
  if (code != SQLITE_IOERR && code != SQLITE_CANTOPEN) return false;
  if (db != nullptr && is_disk_full_errno(sqlite3_system_errno(db))) return true;
  auto room = free_space(path);
  return code == SQLITE_IOERR && room && *room < kFullBelow;
}

// SQLite's own "database is locked" names neither the file nor what to do about it. By the
// time it reaches here the busy timeout (and for writes, several BEGIN attempts) has run
// out: someone else (a sqlite3 shell, a backup) holds the database. Its "attempt to write
// a readonly database" does not say what to fix either, nor does its "database or disk is
// full" (core/disk_full.h has the one wording for that).
Error sqlite_error(const fs::path& path, const std::exception& e, sqlite3* db) {
  const auto* se = dynamic_cast<const SQLite::Exception*>(&e);
  if (se != nullptr && is_sqlite_busy(*se))
    return make_error(Errc::failed,
                      "database " + path.string() +
                          " is locked by another process and stayed locked while drover "
                          "waited; try again once that process has finished");
  if (se != nullptr && (se->getErrorCode() & 0xff) == SQLITE_READONLY)
    return make_error(Errc::failed, "database " + path.string() + " is read-only for this user: " +
                                        "drover needs to write it and the directory it is in");
  if (se != nullptr && is_sqlite_full(*se, db, path))
    return disk_full_error(path, free_space(path));
  return make_error(Errc::failed, "database " + path.string() + ": " + e.what());
}

}  // namespace drover::store
