#include "store/target.h"

#include <cstdlib>

namespace drover::store {

std::filesystem::path store_target(const std::filesystem::path& project_db,
                                   const std::optional<std::string>& configured) {
  const char* env = std::getenv("DROVER_STORE");
  if (env != nullptr && *env != '\0') return env;
  if (configured) return *configured;
  return project_db;
}

}  // namespace drover::store
