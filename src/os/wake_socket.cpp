#include "os/wake_socket.h"

#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace drover::os {

Status poke(const std::filesystem::path& socket_path) { return poke_with(socket_path, "w"); }

Status poke_with(const std::filesystem::path& socket_path, std::string_view message) {
  sockaddr_un addr{};
  addr.sun_family = AF_UNIX;
  const std::string& p = socket_path.native();
  if (p.size() >= sizeof(addr.sun_path))
    return make_error(Errc::failed, "socket path too long: " + p);
  std::memcpy(addr.sun_path, p.c_str(), p.size() + 1);
  int fd = ::socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
  if (fd < 0) return make_error(Errc::failed, std::string("socket: ") + std::strerror(errno));
  ssize_t n = ::sendto(fd, message.data(), message.size(), 0, reinterpret_cast<sockaddr*>(&addr),
                       sizeof addr);
  int err = errno;
  ::close(fd);
  if (n == static_cast<ssize_t>(message.size()) || (n < 0 && err == EAGAIN))
    return ok_status();  // a full queue is awake anyway
  if (err == ENOENT || err == ECONNREFUSED)
    return make_error(Errc::not_found, "no supervisor listens on " + p);
  return make_error(Errc::failed, "cannot poke " + p + ": " + std::strerror(err));
}

}  // namespace drover::os
