#include "core/assets.h"

namespace drover {

std::optional<std::string_view> find_asset(std::string_view path) {
  for (const auto& a : embedded_assets())
    if (a.path == path) return a.content;
  return std::nullopt;
}

}  // namespace drover
