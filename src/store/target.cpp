#include "store/target.h"

#include <cstdlib>

#include "store/pg_dialect.h"
#include "store/store.h"

namespace drover::store {

std::filesystem::path store_target(const std::filesystem::path& project_db,
                                   const std::optional<std::string>& configured) {
  const char* env = std::getenv("DROVER_STORE");
  if (env != nullptr && *env != '\0') return env;
  if (configured) return *configured;
  return project_db;
}

std::string describe_target(const std::filesystem::path& target) {
  return is_postgresql_uri(target.native()) ? pg_redacted(target.native()) : target.string();
}

}  // namespace drover::store
