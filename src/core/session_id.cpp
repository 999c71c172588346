#include "core/session_id.h"

#include <algorithm>

namespace drover {

bool is_valid_session_id(std::string_view id) {
  if (id.empty() || id.size() > kMaxSessionIdBytes) return false;
  return std::all_of(id.begin(), id.end(), [](char c) { return c >= 0x20 && c <= 0x7e; });
}

}  // namespace drover
