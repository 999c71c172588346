#include "support/small_disk.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/mount.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <vector>

namespace e2e {

namespace fs = std::filesystem;

namespace {
fs::path filler(const TempProject& p) { return p.root() / "filler"; }
}  // namespace

SmallDisk::SmallDisk(const TempProject& p, const std::string& size) : p_(p) {
  std::string options = "size=" + size + ",mode=0700";
  if (::mount("tmpfs", p.root().c_str(), "tmpfs", 0, options.c_str()) != 0) {
    MESSAGE("skipped: cannot mount a small tmpfs on " << p.root().string() << " ("
                                                      << std::strerror(errno)
                                                      << "); run the tests as root to test a "
                                                         "full disk");
    return;
  }
  mounted_ = true;
}

SmallDisk::~SmallDisk() {
  if (!mounted_) return;
  release();
  std::error_code ec;
  if (fs::exists(p_.root() / ".drover/supervisor.lock", ec)) (void)p_.drover({"down", "--now"});
  // Lazily: an agent the test left behind may still hold a file open there.
  ::umount2(p_.root().c_str(), MNT_DETACH);
}

void SmallDisk::fill() const {
  int fd = ::open(filler(p_).c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
  REQUIRE(fd >= 0);
  std::vector<char> block(64 * 1024, 'f');
  for (std::size_t size = block.size(); size > 0;) {
    ssize_t n = ::write(fd, block.data(), size);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) {
      INFO(std::strerror(errno));
      CHECK(errno == ENOSPC);
      if (size == 1) break;
      size /= 2;  // take the last few bytes too
    }
  }
  ::close(fd);
}

void SmallDisk::release() const {
  std::error_code ec;
  fs::remove(filler(p_), ec);
}

}  // namespace e2e
