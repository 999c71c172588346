#include "store/store.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/db.h"
#include "store/events.h"
#include "store/gates.h"
#include "store/hosts.h"
#include "store/mail.h"
#include "store/schema.h"
#include "store/sessions.h"
#include "store/settings.h"
#include "store/sqlite_db.h"
#include "store/turns.h"

namespace drover::store {

namespace fs = std::filesystem;

struct Tx::Repos {
  explicit Repos(Connection& db)
      : sessions(db), mail(db), turns(db), events(db), settings(db), gates(db), hosts(db) {}
  Sessions sessions;
  Mail mail;
  Turns turns;
  Events events;
  Settings settings;
  Gates gates;
  Hosts hosts;
};

Tx::Tx(Connection& db) : repos_(std::make_unique<Repos>(db)) {}
Tx::~Tx() = default;
Sessions& Tx::sessions() { return repos_->sessions; }
Mail& Tx::mail() { return repos_->mail; }
Turns& Tx::turns() { return repos_->turns; }
Events& Tx::events() { return repos_->events; }
Settings& Tx::settings() { return repos_->settings; }
Gates& Tx::gates() { return repos_->gates; }
Hosts& Tx::hosts() { return repos_->hosts; }

Status migrate(Connection& db) {
  int version = db.schema_version();
  int current = current_schema_version();
  if (version > current)
    return make_error(Errc::failed, "the database has schema version " + std::to_string(version) +
                                        ", newer than this drover supports (" +
                                        std::to_string(current) + "); upgrade drover");
  if (version == current) return ok_status();
  db.begin(true);
  try {
    // Re-read under the write lock: another process may have migrated meanwhile.
    version = db.schema_version();
    for (const auto& m : migrations()) {
      if (m.to_version <= version) continue;
      db.exec(db.ddl(m.sql));
      db.set_schema_version(m.to_version);
    }
    db.commit();
  } catch (...) {
    db.rollback();
    throw;
  }
  return ok_status();
}

Status migrate(SQLite::Database& db) {
  SqliteConnection borrowed(db);
  return migrate(borrowed);
}

bool is_postgresql_uri(std::string_view target) {
  return target.starts_with("postgresql://") || target.starts_with("postgres://");
}

Result<std::unique_ptr<Store>> Store::open(const fs::path& path, OpenMode mode) {
  if (is_postgresql_uri(path.native())) return open_postgresql(path.native(), mode);
  return open_sqlite(path, mode);
}

namespace {

Status run_in(Connection& db, bool immediate, const std::function<Status(Tx&)>& fn) {
  try {
    db.begin(immediate);
  } catch (const std::exception& e) {
    return db.error_of(e);
  }
  Tx tx(db);
  Status result = ok_status();
  try {
    result = fn(tx);
    if (result.ok()) {
      db.commit();
      return result;
    }
  } catch (const std::exception& e) {
    result = db.error_of(e);
  }
  db.rollback();
  return result;
}

}  // namespace

Store::Store(std::unique_ptr<Connection> db, fs::path path, std::unique_ptr<fs::path> signal)
    : signal_(std::move(signal)), db_(std::move(db)), path_(std::move(path)) {}
Store::~Store() = default;

void Store::set_page_cache_kib(int kib) {
  cache_kib_ = kib;
  if (!db_) return;
  try {
    db_->set_cache_kib(kib);
  } catch (const std::exception&) {
    // Only a cache size: the reads work without it.
  }
}

Status Store::run(bool immediate, const std::function<Status(Tx&)>& fn) {
  if (db_ && immediate && write_guard_) {
    return run_in(*db_, true, [&](Tx& tx) -> Status {
      if (auto refused = write_guard_(tx)) return *refused;
      return fn(tx);
    });
  }
  if (db_) return run_in(*db_, immediate, fn);
  if (immediate) return *read_only_;
  std::unique_ptr<Connection> db;
  try {
    db = sqlite_reader(path_);
    if (cache_kib_) db->set_cache_kib(*cache_kib_);
  } catch (const std::exception& e) {
    return sqlite_reader_error(path_, e);
  }
  return run_in(*db, false, fn);
}

int Store::schema_version() {
  try {
    if (!db_) return sqlite_reader(path_)->schema_version();
    return db_->schema_version();
  } catch (const std::exception&) {
    return -1;
  }
}

Result<std::string> Store::integrity_check() {
  try {
    if (!db_) return sqlite_reader(path_)->integrity_check();
    return db_->integrity_check();
  } catch (const std::exception& e) {
    if (db_) return db_->error_of(e);
    return sqlite_reader_error(path_, e);
  }
}

}  // namespace drover::store
