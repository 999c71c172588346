#pragma once
// Which database a project uses (SPEC §10): DROVER_STORE when it is set (a postgresql://
// URI, or a path to an SQLite file), else config.toml's `store`, else the project's
// .drover/drover.db. The result is what Store::open takes.
#include <filesystem>
#include <optional>
#include <string>

namespace drover::store {

std::filesystem::path store_target(const std::filesystem::path& project_db,
                                   const std::optional<std::string>& configured);

// How messages name a target: the file's path, or the URI without its password.
std::string describe_target(const std::filesystem::path& target);

}  // namespace drover::store
