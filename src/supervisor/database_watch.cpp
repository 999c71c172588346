#include "supervisor/database_watch.h"

#include <spdlog/spdlog.h>

namespace drover::supervisor {

DatabaseWatch::DatabaseWatch(std::filesystem::path db)
    : db_(std::move(db)), identity_(os::file_identity(db_)) {}

bool DatabaseWatch::replaced(spdlog::logger& log) const {
  if (os::file_identity(db_) == identity_) return false;
  log.error(
      "{} was removed or replaced while the supervisor ran; stopping (run 'drover up' to start "
      "a supervisor on the new database)",
      db_.string());
  return true;
}

}  // namespace drover::supervisor
