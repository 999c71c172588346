#include "supervisor/shutdown_request.h"

#include <charconv>

#include "os/files.h"

namespace drover::supervisor {

std::string format_shutdown_request(const ShutdownRequest& r) {
  return std::to_string(r.supervisor) + (r.now ? " now\n" : " graceful\n");
}

std::optional<ShutdownRequest> parse_shutdown_request(std::string_view text) {
  auto space = text.find(' ');
  if (space == std::string_view::npos) return std::nullopt;
  ShutdownRequest r;
  auto digits = text.substr(0, space);
  auto [end, ec] = std::from_chars(digits.data(), digits.data() + digits.size(), r.supervisor);
  if (ec != std::errc() || end != digits.data() + digits.size() || r.supervisor <= 0)
    return std::nullopt;
  auto mode = text.substr(space + 1);
  if (!mode.empty() && mode.back() == '\n') mode.remove_suffix(1);
  if (mode == "now") r.now = true;
  else if (mode != "graceful") return std::nullopt;
  return r;
}

Status write_shutdown_request(const ProjectPaths& paths, const ShutdownRequest& r) {
  return os::write_file_atomic(paths.supervisor_down(), format_shutdown_request(r), 0600,
                               os::Durability::volatile_);
}

std::optional<ShutdownRequest> read_shutdown_request(const ProjectPaths& paths) {
  auto text = os::read_file(paths.supervisor_down());
  if (!text) return std::nullopt;
  return parse_shutdown_request(*text);
}

void clear_shutdown_request(const ProjectPaths& paths) {
  (void)os::remove_file(paths.supervisor_down());
}

}  // namespace drover::supervisor
