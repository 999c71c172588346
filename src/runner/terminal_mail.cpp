#include "runner/terminal_mail.h"

#include "core/capability.h"
#include "os/files.h"

namespace drover::runner {

Capability read_capability(const ProjectPaths& paths, const std::string& capability) {
  auto path = paths.capabilities() / (capability + ".md");
  auto text = os::read_file(path);
  if (text)
    if (auto cap = parse_capability(capability, *text, path.string())) return *cap;
  return default_capability(capability);
}

std::vector<std::string> terminal_mail_of(const ProjectPaths& paths,
                                          const std::string& capability) {
  return read_capability(paths, capability).terminal_mail;
}

}  // namespace drover::runner
