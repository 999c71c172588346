#include "os/fd_io.h"

#include "core/resource_errors.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace drover::os {

Result<int> open_append(const std::filesystem::path& path, unsigned mode) {
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, mode);
  if (fd < 0) {
    int err = errno;
    return make_error(errc_of_errno(err),
                      "cannot open " + path.string() + ": " + std::strerror(err));
  }
  return fd;
}

Status write_all(int fd, std::string_view data) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return make_error(Errc::failed, std::string("write: ") + std::strerror(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return ok_status();
}

long read_some_now(int fd, char* buf, unsigned long size) {
  for (;;) {
    ssize_t n = ::read(fd, buf, size);
    if (n < 0 && errno == EINTR) continue;
    return n;
  }
}

void set_nonblocking(int fd) {
  int flags = ::fcntl(fd, F_GETFL);
  if (flags >= 0) ::fcntl(fd, F_SETFL, flags | O_NONBLOCK);
}

void close_fd(int& fd) {
  if (fd >= 0) ::close(fd);
  fd = -1;
}

void write_or_quit(std::FILE* f, std::string_view text) {
  if (std::fwrite(text.data(), 1, text.size(), f) != text.size() && errno == EPIPE) ::_exit(0);
}

void flush_or_quit(std::FILE* f) {
  if (std::fflush(f) != 0 && errno == EPIPE) ::_exit(0);
}

void write_line_or_quit(std::FILE* f, std::string_view text) {
  std::fwrite(text.data(), 1, text.size(), f);
  if (text.empty() || text.back() != '\n') std::fputc('\n', f);
  if (std::fflush(f) != 0 && errno == EPIPE) ::_exit(0);
}

}  // namespace drover::os
