#pragma once
// The database schema and its forward migrations, indexed by PRAGMA user_version.
#include <span>
#include <string_view>

namespace drover::store {

struct Migration {
  int to_version;        // user_version after this step
  std::string_view sql;  // executed inside the migration transaction
};

// Every migration in order; the last one's to_version is the current schema version.
std::span<const Migration> migrations();
int current_schema_version();

}  // namespace drover::store
