// Opening the SQLite store (store/store.h): WAL, pragmas, the commit signal, migration, and
// the read-only Store a full disk leaves.
#include <SQLiteCpp/SQLiteCpp.h>
#include <sqlite3.h>

#include <chrono>
#include <thread>

#include "os/files.h"
#include "store/schema.h"
#include "store/sqlite_db.h"
#include "store/sqlite_errors.h"
#include "store/store.h"
#include "store/wal_write_vfs.h"

namespace drover::store {

namespace fs = std::filesystem;

namespace {

constexpr int kBusyTimeoutMs = 5000;

// SQLite's own default: checkpoint the WAL into the database once it holds this many frames.
constexpr int kAutoCheckpointFrames = 1000;

// Called by SQLite after each commit on the connection, once the commit is visible to other
// connections and the write lock is released (sqlite3_wal_hook). The WAL write that readers
// could watch happens before that: a reader woken by it may read the old snapshot and then
// hear nothing more (issue 18, "no missed wake-up"). So the commit signal is touched here.
// Setting a WAL hook replaces SQLite's auto-checkpoint, which this does after the touch, in
// the same way (a passive checkpoint past kAutoCheckpointFrames frames).
int after_commit(void* signal, sqlite3* db, const char* schema, int frames) {
  os::touch(*static_cast<const fs::path*>(signal));
  if (frames >= kAutoCheckpointFrames)
    sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
  return SQLITE_OK;
}

// Switching a new database file to WAL needs an exclusive lock, and SQLite reports
// SQLITE_BUSY at once, without calling the busy handler, while another connection is
// opening the same new file. Retry for as long as the busy timeout would have waited.
void enable_wal(SQLite::Database& db) {
  const auto deadline =
      std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    try {
      db.exec("PRAGMA journal_mode=WAL");
      return;
    } catch (const SQLite::Exception& e) {
      if (!is_sqlite_busy(e) || std::chrono::steady_clock::now() >= deadline) throw;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(2));
  }
}

}  // namespace

// WAL mode keeps its index in a -shm file of 32 KiB, which a full disk cannot give.
// locking_mode=EXCLUSIVE keeps that index in memory instead (it takes the database's write
// lock, which needs a read-write handle), and query_only makes sure nothing is written
// through it. Opened for one read and closed after it, so the lock is held for that read.
std::unique_ptr<SqliteConnection> sqlite_reader(const fs::path& path) {
  configure_sqlite_process();
  auto db = std::make_unique<SQLite::Database>(
      path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX, kBusyTimeoutMs);
  db->exec("PRAGMA locking_mode=EXCLUSIVE");
  db->exec("PRAGMA query_only=1");
  return std::make_unique<SqliteConnection>(std::move(db));
}

Error sqlite_reader_error(const fs::path& path, const std::exception& e) {
  return sqlite_error(path, e, nullptr);
}

Result<std::unique_ptr<Store>> Store::open_sqlite(const fs::path& path, OpenMode mode) {
  std::error_code ec;
  if (mode == OpenMode::existing && !fs::exists(path, ec))
    return make_error(Errc::project,
                      "database " + path.string() + " is missing (run 'drover init' to create it)");
  auto signal = std::make_unique<fs::path>(commit_signal_path(path));
  std::unique_ptr<SQLite::Database> db;
  std::unique_ptr<SqliteConnection> conn;
  try {
    int flags = SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX;
    if (mode == OpenMode::create) flags |= SQLite::OPEN_CREATE;
    // Through the VFS that writes a commit's WAL frames at once (store/wal_write_vfs.h).
    configure_sqlite_process();  // before the VFS's registration initialises SQLite
    const char* vfs = wal_write_vfs();
    db = std::make_unique<SQLite::Database>(path.string().c_str(), flags, kBusyTimeoutMs, vfs);
    enable_wal(*db);
    db->exec("PRAGMA synchronous=NORMAL");
    db->exec("PRAGMA foreign_keys=ON");
    sqlite3_wal_hook(db->getHandle(), after_commit, signal.get());
    conn = std::make_unique<SqliteConnection>(std::move(db));
    if (auto migrated = migrate(*conn); !migrated)
      return make_error(migrated.error().code,
                        "database " + path.string() + ": " + migrated.error().message);
    return std::unique_ptr<Store>(new Store(std::move(conn), path, std::move(signal)));
  } catch (const std::exception& e) {
    const auto* se = dynamic_cast<const SQLite::Exception*>(&e);
    sqlite3* handle = conn ? conn->database().getHandle() : db ? db->getHandle() : nullptr;
    bool full = se != nullptr && is_sqlite_full(*se, handle, path);
    Error error = sqlite_error(path, e, handle);
    conn.reset();
    db.reset();
    if (!full || mode != OpenMode::existing) return error;
    return open_read_only(path, std::move(error));
  }
}

// The database could not be opened for want of space: readers can still be served (one
// short connection per read), writers get `why` at once.
Result<std::unique_ptr<Store>> Store::open_read_only(const fs::path& path, Error why) {
  try {
    // Migrating would write: an old schema cannot be read this way.
    if (sqlite_reader(path)->schema_version() != current_schema_version()) return why;
  } catch (const std::exception&) {
    return why;
  }
  auto store = std::unique_ptr<Store>(new Store(nullptr, path, nullptr));
  store->read_only_ = std::move(why);
  return store;
}

fs::path commit_signal_path(const fs::path& db) { return fs::path(db.string() + "-changed"); }

}  // namespace drover::store
