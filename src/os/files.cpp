#include "os/files.h"

#include "core/resource_errors.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <vector>

#include "core/disk_full.h"

namespace drover::os {
namespace {

std::string quoted(const std::filesystem::path& p) { return "'" + p.string() + "'"; }

Error errno_error(const std::string& what, const std::filesystem::path& p, int err) {
  if (is_disk_full_errno(err)) return disk_full_error(p, free_bytes(p));
  return make_error(errc_of_errno(err), what + " " + quoted(p) + ": " + std::strerror(err));
}

bool write_all(int fd, std::string_view data, int& err) {
  while (!data.empty()) {
    ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      return false;
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  return true;
}

// Makes the rename itself durable. Some filesystems cannot fsync a directory (EINVAL);
// there is nothing more to do on those.
Status fsync_dir(const std::filesystem::path& dir, const std::filesystem::path& target) {
  int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return errno_error("cannot open the directory of", target, errno);
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0 && err != EINVAL && err != EROFS) {
    return errno_error("cannot sync the directory of", target, err);
  }
  return ok_status();
}

}  // namespace

Status write_file_atomic(const std::filesystem::path& path, std::string_view contents,
                         unsigned mode, Durability durability) {
  const bool sync = durability == Durability::synced;
  const auto name = path.filename();
  if (name.empty() || name == "." || name == "..") {
    return make_error(Errc::usage, "cannot write " + quoted(path) + ": not a file name");
  }
  const auto dir = path.has_parent_path() ? path.parent_path() : std::filesystem::path(".");

  std::string temp = (dir / name).string() + ".tmp.XXXXXX";
  std::vector<char> buf(temp.begin(), temp.end());
  buf.push_back('\0');
  int fd = ::mkostemp(buf.data(), O_CLOEXEC);
  if (fd < 0) return errno_error("cannot create a temp file for", path, errno);
  temp.assign(buf.data());

  auto fail = [&](const std::string& what, int err) -> Status {
    if (fd >= 0) ::close(fd);
    ::unlink(temp.c_str());
    return errno_error(what, path, err);
  };

  int err = 0;
  if (!write_all(fd, contents, err)) return fail("cannot write", err);
  if (::fchmod(fd, static_cast<mode_t>(mode & 07777)) != 0) return fail("cannot chmod", errno);
  if (sync && ::fsync(fd) != 0) return fail("cannot sync", errno);
  int rc = ::close(fd);
  fd = -1;
  if (rc != 0) return fail("cannot write", errno);
  if (::rename(temp.c_str(), path.c_str()) != 0) return fail("cannot replace", errno);
  return sync ? fsync_dir(dir, path) : ok_status();
}

Result<std::string> read_file_tail(const std::filesystem::path& path, std::size_t max_bytes) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT)
      return make_error(Errc::not_found, "cannot read " + quoted(path) + ": " + std::strerror(err));
    return errno_error("cannot read", path, err);
  }
  struct stat st {};
  off_t start = 0;
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) &&
      static_cast<std::uintmax_t>(st.st_size) > max_bytes)
    start = st.st_size - static_cast<off_t>(max_bytes);
  std::string out(max_bytes, '\0');
  std::size_t got = 0;
  while (got < max_bytes) {
    ssize_t n = ::pread(fd, out.data() + got, max_bytes - got, start + static_cast<off_t>(got));
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    got += static_cast<std::size_t>(n);
  }
  ::close(fd);
  out.resize(got);
  return out;
}

Result<std::string> read_file(const std::filesystem::path& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    int err = errno;
    if (err == ENOENT) {
      return make_error(Errc::not_found, "cannot read " + quoted(path) + ": " + std::strerror(err));
    }
    return errno_error("cannot read", path, err);
  }
  std::string out;
  struct stat st {};
  if (::fstat(fd, &st) == 0 && S_ISREG(st.st_mode) && st.st_size > 0) {
    out.reserve(static_cast<std::size_t>(st.st_size));
  }
  char buf[65536];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      int err = errno;
      ::close(fd);
      return errno_error("cannot read", path, err);
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

Status make_fd_private(int fd) {
  if (::fchmod(fd, 0600) != 0)
    return make_error(Errc::failed,
                      std::string("cannot chmod a log file: ") + std::strerror(errno));
  return ok_status();
}

Status make_private_dirs(const std::filesystem::path& path) {
  struct stat existing {};
  // The usual case (every turn of an agent): it is there already; one stat, no mkdir walk.
  if (::stat(path.c_str(), &existing) == 0 && S_ISDIR(existing.st_mode)) return ok_status();
  std::filesystem::path prefix;
  for (const auto& part : path) {
    if (part.empty()) continue;  // trailing separator
    prefix /= part;
    if (part == prefix.root_path() || part == "." || part == "..") continue;
    if (::mkdir(prefix.c_str(), 0700) == 0) {
      // The umask may have taken bits away; 0700 is the point.
      if (::chmod(prefix.c_str(), 0700) != 0) return errno_error("cannot chmod", prefix, errno);
      continue;
    }
    int err = errno;
    struct stat st {};
    if (err == EEXIST && ::stat(prefix.c_str(), &st) == 0) {
      if (S_ISDIR(st.st_mode)) continue;
      return make_error(Errc::failed, "cannot create directory " + quoted(prefix) +
                                          ": a file of that name exists");
    }
    return errno_error("cannot create directory", prefix, err);
  }
  return ok_status();
}

std::optional<std::uintmax_t> free_bytes(const std::filesystem::path& path) {
  std::error_code ec;
  for (auto at = path; !at.empty(); at = at.parent_path()) {
    auto space = std::filesystem::space(at, ec);
    if (!ec) return space.available;
    if (at == at.parent_path()) break;
  }
  return std::nullopt;
}

bool touch(const std::filesystem::path& path) {
  if (::utimensat(AT_FDCWD, path.c_str(), nullptr, 0) == 0) return true;
  if (errno != ENOENT) return false;
  int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0) return false;
  ::close(fd);
  return true;
}

Status remove_file(const std::filesystem::path& path) {
  if (::unlink(path.c_str()) == 0 || errno == ENOENT) return ok_status();
  return errno_error("cannot remove", path, errno);
}

std::optional<FileIdentity> file_identity(const std::filesystem::path& path) {
  struct stat st {};
  if (::stat(path.c_str(), &st) != 0) return std::nullopt;
  return FileIdentity{static_cast<unsigned long long>(st.st_dev),
                      static_cast<unsigned long long>(st.st_ino)};
}

Status remove_tree(const std::filesystem::path& path) {
  std::error_code ec;
  std::filesystem::remove_all(path, ec);
  if (ec && ec != std::errc::no_such_file_or_directory)
    return make_error(Errc::failed, "cannot remove " + path.string() + ": " + ec.message());
  return ok_status();
}

bool is_directory(const std::filesystem::path& path) {
  std::error_code ec;
  return std::filesystem::is_directory(path, ec);
}

OpenDir::OpenDir(const std::filesystem::path& dir)
    : fd_(::open(dir.c_str(), O_PATH | O_DIRECTORY | O_CLOEXEC)) {}

OpenDir::~OpenDir() {
  if (fd_ >= 0) ::close(fd_);
}

bool OpenDir::may_exist(const char* relative) const {
  if (fd_ < 0) return true;
  if (::faccessat(fd_, relative, F_OK, AT_EACCESS) == 0) return true;
  return errno != ENOENT && errno != ENOTDIR;
}

}  // namespace drover::os
