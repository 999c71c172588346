#pragma once
// Files from templates/ and agents/ compiled into the binary (see cmake/embed_assets.cmake).
#include <optional>
#include <span>
#include <string_view>

namespace drover {

struct EmbeddedAsset {
  std::string_view path;  // relative to the repository root, e.g. "templates/config.toml"
  std::string_view content;
};

std::span<const EmbeddedAsset> embedded_assets();
std::optional<std::string_view> find_asset(std::string_view path);

}  // namespace drover
