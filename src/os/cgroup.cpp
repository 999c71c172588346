#include "os/cgroup.h"

#include <fcntl.h>
#include <linux/magic.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <sstream>
#include <string>

#include "os/files.h"

namespace drover::os {
namespace {

Error cg_error(const std::string& what, const std::filesystem::path& p, int err) {
  return make_error(err == ENOENT ? Errc::not_found : Errc::failed,
                    what + " " + p.string() + ": " + std::strerror(err));
}

// A cgroup control file takes one write(2); write_file_atomic would rename over it.
Status write_control(const std::filesystem::path& file, const std::string& value) {
  int fd = ::open(file.c_str(), O_WRONLY | O_CLOEXEC);
  if (fd < 0) return cg_error("cannot open", file, errno);
  ssize_t n = ::write(fd, value.data(), value.size());
  int err = errno;
  ::close(fd);
  if (n != static_cast<ssize_t>(value.size())) return cg_error("cannot write", file, err);
  return ok_status();
}

// Mount point of the cgroup2 file system and the cgroup path at its root (mountinfo
// fields 4 and 5; the file system type follows the " - " separator).
std::optional<std::pair<std::string, std::string>> cgroup2_mount() {
  auto text = read_file("/proc/self/mountinfo");
  if (!text) return std::nullopt;
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    auto sep = line.find(" - ");
    if (sep == std::string::npos || line.compare(sep + 3, 8, "cgroup2 ") != 0) continue;
    std::istringstream f(line.substr(0, sep));
    std::string id, parent, devs, root, mount;
    if (f >> id >> parent >> devs >> root >> mount) return std::pair{root, mount};
  }
  return std::nullopt;
}

}  // namespace

Result<std::filesystem::path> own_cgroup() {
  auto mount = cgroup2_mount();
  if (!mount) return make_error(Errc::not_found, "no cgroup2 file system is mounted");
  auto text = read_file("/proc/self/cgroup");
  if (!text) return text.error();
  std::istringstream lines(*text);
  for (std::string line; std::getline(lines, line);) {
    if (line.rfind("0::", 0) != 0) continue;
    std::string own = line.substr(3);
    const std::string& root = mount->first;
    // The mount may show a subtree (a cgroup namespace or a bind mount): strip its root.
    if (root != "/") {
      if (own.rfind(root, 0) != 0)
        return make_error(Errc::not_found, "this process's cgroup " + own +
                                               " is outside the cgroup2 mount at " + mount->second);
      own = own.substr(root.size());
    }
    std::filesystem::path dir = mount->second;
    if (!own.empty() && own != "/") dir /= own.substr(own[0] == '/' ? 1 : 0);
    return dir;
  }
  return make_error(Errc::not_found, "this process is in no cgroup v2 (no '0::' line)");
}

bool is_cgroup_dir(const std::filesystem::path& dir) {
  struct statfs fs {};
  return ::statfs(dir.c_str(), &fs) == 0 && fs.f_type == CGROUP2_SUPER_MAGIC;
}

Status create_cgroup(const std::filesystem::path& dir) {
  if (::mkdir(dir.c_str(), 0755) == 0 || errno == EEXIST) return ok_status();
  return cg_error("cannot create cgroup", dir, errno);
}

Status move_to_cgroup(const std::filesystem::path& dir, pid_t pid) {
  return write_control(dir / "cgroup.procs", std::to_string(pid));
}

Status kill_cgroup(const std::filesystem::path& dir) {
  auto st = write_control(dir / "cgroup.kill", "1");
  if (st || st.error().code != Errc::not_found || !os::is_directory(dir)) return st;
  auto procs = read_file(dir / "cgroup.procs");  // no cgroup.kill: a kernel before 5.14
  if (!procs) return procs.error();
  std::istringstream in(*procs);
  for (pid_t pid = 0; in >> pid;)
    if (pid > 1) ::kill(pid, SIGKILL);
  return ok_status();
}

bool cgroup_populated(const std::filesystem::path& dir) {
  auto events = read_file(dir / "cgroup.events");
  return events && events->find("populated 1") != std::string::npos;
}

Status remove_cgroup(const std::filesystem::path& dir) {
  if (::rmdir(dir.c_str()) == 0 || errno == ENOENT) return ok_status();
  if (errno == EBUSY) return make_error(Errc::conflict, "cgroup " + dir.string() + " is in use");
  return cg_error("cannot remove cgroup", dir, errno);
}

}  // namespace drover::os
