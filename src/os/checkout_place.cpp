#include "os/checkout_place.h"

#include <unistd.h>

namespace drover::os {

std::string checkout_place(const std::filesystem::path& root) {
  char name[256] = {};
  std::string host = ::gethostname(name, sizeof name - 1) == 0 && name[0] ? name : "unknown-host";
  return host + ":" + root.string();
}

}  // namespace drover::os
