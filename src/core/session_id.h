#pragma once
// The session id a runtime reports (SPEC §5.2): what drover will store and pass back with
// `--resume`. Pure.
#include <cstddef>
#include <string_view>

namespace drover {

constexpr std::size_t kMaxSessionIdBytes = 256;

// 1 to kMaxSessionIdBytes bytes of printable ASCII (0x20–0x7e). Anything else is refused
// as malformed: an argv too long to exec, or bytes that would forge log lines.
bool is_valid_session_id(std::string_view id);

}  // namespace drover
