#pragma once
// The one database (SPEC §1, §9): SQLite by default, PostgreSQL when opened with a
// postgresql:// URI. Every write runs inside a transaction that excludes other writers
// (BEGIN IMMEDIATE on SQLite); repositories are reached only through a transaction, so no
// SQL and no database exception leaves src/store/.
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string_view>

#include "core/result.h"

namespace SQLite {
class Database;
}

namespace drover::store {

class Connection;

class Sessions;
class Mail;
class Turns;
class Events;
class Settings;
class Gates;
class Hosts;

// Handed to transaction bodies; valid only inside them.
class Tx {
 public:
  explicit Tx(Connection& db);
  ~Tx();
  Sessions& sessions();
  Mail& mail();
  Turns& turns();
  Events& events();
  Settings& settings();
  Gates& gates();
  Hosts& hosts();

 private:
  struct Repos;
  std::unique_ptr<Repos> repos_;
};

// The page cache a listing command asks for (Store::set_page_cache_kib).
inline constexpr int kListingCacheKib = 256;

enum class OpenMode {
  existing,  // the file must exist (every command but init)
  create,    // create it if missing (drover init)
};

class Store {
 public:
  // Opens (or creates) the database, sets the pragmas and migrates it forward. A `path`
  // that is a postgresql:// (or postgres://) URI opens that PostgreSQL database instead
  // (store/pg_db.h); everything below about files and disks is SQLite's.
  // Errors: not a database / corrupt → failed; newer schema than we know → failed;
  // missing with OpenMode::existing → project ("run 'drover init'"); on PostgreSQL, a
  // database (schema) without drover's tables counts as missing.
  // A full disk (core/disk_full.h) with OpenMode::existing and the current schema gives a
  // read-only Store instead: every read works (on a connection of its own that writes
  // nothing), every write fails at once with the disk-full error. Anything else that runs
  // out of space fails with that error too, and its transaction is rolled back.
  static Result<std::unique_ptr<Store>> open(const std::filesystem::path& path, OpenMode mode);
  ~Store();

  // BEGIN IMMEDIATE; commit when fn returns ok, roll back when it returns an error or a
  // database error occurs inside (reported as Errc::failed).
  template <class T>
  Result<T> write(const std::function<Result<T>(Tx&)>& fn);
  // A read-only snapshot (BEGIN DEFERRED ... COMMIT).
  template <class T>
  Result<T> read(const std::function<Result<T>(Tx&)>& fn);

  // A check run first inside every write transaction from now on: an error it returns
  // rolls the transaction back and is what the write returns. Unset, writes run as given.
  // The CLI sets one inside an agent's turn: the turn's lease fence (cli/turn_fence.h).
  using WriteGuard = std::function<std::optional<Error>(Tx&)>;
  void set_write_guard(WriteGuard guard) { write_guard_ = std::move(guard); }

  // Holds SQLite's page cache of this connection to `kib` (default: SQLite's 2 MiB). For
  // a command that reads a long listing once (issue 18): each page is read once, so a
  // larger cache only grows the process, by up to the 2 MiB.
  void set_page_cache_kib(int kib);

  int schema_version();
  // PRAGMA integrity_check: "ok" or the first problem.
  Result<std::string> integrity_check();
  const std::filesystem::path& path() const { return path_; }
  // The disk-full error a read-only Store (see open) gives every write; nullopt if writable.
  const std::optional<Error>& read_only() const { return read_only_; }

 private:
  Store(std::unique_ptr<Connection> db, std::filesystem::path path,
        std::unique_ptr<std::filesystem::path> signal);
  static Result<std::unique_ptr<Store>> open_sqlite(const std::filesystem::path& path,
                                                    OpenMode mode);
  static Result<std::unique_ptr<Store>> open_postgresql(const std::string& uri, OpenMode mode);
  static Result<std::unique_ptr<Store>> open_read_only(const std::filesystem::path& path,
                                                       Error why);
  Status run(bool immediate, const std::function<Status(Tx&)>& fn);

  std::unique_ptr<std::filesystem::path> signal_;  // the commit signal; outlives db_
  std::unique_ptr<Connection> db_;                 // null when read-only
  std::filesystem::path path_;
  std::optional<Error> read_only_;
  std::optional<int> cache_kib_;  // set_page_cache_kib, for the read-only connections too
  WriteGuard write_guard_;
};

template <class T>
Result<T> Store::write(const std::function<Result<T>(Tx&)>& fn) {
  std::optional<Result<T>> out;
  Status s = run(true, [&](Tx& tx) -> Status {
    out.emplace(fn(tx));
    if (!out->ok()) return out->error();
    return ok_status();
  });
  if (!s.ok()) return s.error();
  return std::move(*out);
}

template <class T>
Result<T> Store::read(const std::function<Result<T>(Tx&)>& fn) {
  std::optional<Result<T>> out;
  Status s = run(false, [&](Tx& tx) -> Status {
    out.emplace(fn(tx));
    if (!out->ok()) return out->error();
    return ok_status();
  });
  if (!s.ok()) return s.error();
  return std::move(*out);
}

// The commit signal: every commit through a Store touches this file (beside the database)
// once the commit is visible to other connections. A shell following the database watches
// it (os/file_watch.h) instead of the WAL, whose writes come before the commit is visible.
// Writers other than drover (a sqlite3 shell) do not touch it: followers still poll, rarely.
std::filesystem::path commit_signal_path(const std::filesystem::path& db);

// Migrates an open database to the current version (exposed for tests).
Status migrate(Connection& db);
Status migrate(SQLite::Database& db);

// Whether `target` names a PostgreSQL database rather than an SQLite file.
bool is_postgresql_uri(std::string_view target);

}  // namespace drover::store
