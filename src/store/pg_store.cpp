// Opening the PostgreSQL store (store/store.h, store/pg_db.h).
#include "store/pg_db.h"
#include "store/pg_dialect.h"
#include "store/store.h"

namespace drover::store {

Result<std::unique_ptr<Store>> Store::open_postgresql(const std::string& uri, OpenMode mode) {
  try {
    auto conn = std::make_unique<PgConnection>(uri);
    // Only `drover init` creates the tables: any other command on an empty database (a
    // URI naming the wrong one, say) is refused, as a missing drover.db is.
    if (mode == OpenMode::existing && conn->schema_version() == 0)
      return make_error(Errc::project, "database " + pg_redacted(uri) +
                                           " has no drover tables (run 'drover init' to "
                                           "create them)");
    if (auto migrated = migrate(*conn); !migrated)
      return make_error(migrated.error().code,
                        "database " + pg_redacted(uri) + ": " + migrated.error().message);
    return std::unique_ptr<Store>(new Store(std::move(conn), uri, nullptr));
  } catch (const std::exception& e) {
    return make_error(Errc::failed, "database " + pg_redacted(uri) + ": " + e.what());
  }
}

}  // namespace drover::store
