#include "core/disk_full.h"

#include <cerrno>

namespace drover {

namespace {
constexpr std::string_view kPrefix = "the disk holding ";
constexpr std::string_view kAdvice = ": free space and retry";
}  // namespace

bool is_disk_full_errno(int err) { return err == ENOSPC || err == EDQUOT; }

Error disk_full_error(const std::filesystem::path& path, std::optional<std::uintmax_t> free_bytes) {
  std::string room =
      free_bytes ? std::to_string(*free_bytes) + " bytes free" : "free space unknown";
  return make_error(Errc::failed, std::string(kPrefix) + path.string() + " is full (" + room + ")" +
                                      std::string(kAdvice));
}

bool is_disk_full_message(const std::string& message) {
  auto at = message.find(kPrefix);
  return at != std::string::npos && message.find(kAdvice, at) != std::string::npos;
}

}  // namespace drover
