#include "store/inspect.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "store/pg_db.h"
#include "store/pg_dialect.h"
#include "store/sqlite_db.h"
#include "store/store.h"

namespace drover::store {

namespace {
// integrity_check lists up to this many problems; the doctor shows a few, not thousands.
constexpr int kMaxProblems = 10;
}  // namespace

Result<DatabaseHealth> inspect_database(const std::filesystem::path& path) {
  if (is_postgresql_uri(path.native())) {
    try {
      PgConnection db(path.native());
      DatabaseHealth h;
      h.schema_version = db.schema_version();
      h.integrity = db.integrity_check();
      return h;
    } catch (const std::exception& e) {
      return make_error(Errc::failed, "database " + pg_redacted(path.native()) + ": " + e.what());
    }
  }
  std::error_code ec;
  if (!std::filesystem::exists(path, ec))
    return make_error(Errc::not_found,
                      "database " + path.string() + " is missing (run 'drover init')");
  try {
    // Read-write without CREATE: a WAL database may need its -shm file created to be read.
    configure_sqlite_process();
    SQLite::Database db(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_NOMUTEX, 5000);
    DatabaseHealth h;
    h.schema_version = db.execAndGet("PRAGMA user_version").getInt();
    SQLite::Statement q(db, "PRAGMA integrity_check(" + std::to_string(kMaxProblems) + ")");
    while (q.executeStep()) {
      if (!h.integrity.empty()) h.integrity += "\n";
      h.integrity += q.getColumn(0).getString();
    }
    return h;
  } catch (const std::exception& e) {
    return make_error(Errc::failed, "database " + path.string() + ": " + e.what());
  }
}

}  // namespace drover::store
