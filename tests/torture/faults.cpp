#include "faults.h"

#include <dirent.h>
#include <signal.h>
#include <sys/resource.h>
#include <unistd.h>

#include <fstream>
#include <sstream>

namespace torture {

namespace fs = std::filesystem;

namespace {

bool write_text(const fs::path& file, const std::string& text) {
  std::ofstream f(file);
  f << text;
  f.flush();
  return static_cast<bool>(f);
}

}  // namespace

PidsCgroup::PidsCgroup(const std::string& name) {
  const fs::path root = "/sys/fs/cgroup/pids";
  std::error_code ec;
  if (!fs::exists(root / "cgroup.procs", ec)) return;
  const fs::path dir = root / name;
  if (!fs::create_directory(dir, ec)) return;
  if (!fs::exists(dir / "pids.max", ec)) {
    fs::remove(dir, ec);
    return;
  }
  dir_ = dir;
}

PidsCgroup::~PidsCgroup() {
  if (dir_.empty()) return;
  (void)set_max("max");
  // Whatever is still inside (a process the run left) goes back to the parent.
  for (int round = 0; round < 50; ++round) {
    std::ifstream procs(dir_ / "cgroup.procs");
    std::string pid;
    bool any = false;
    while (std::getline(procs, pid))
      if (!pid.empty()) any = true, write_text(dir_.parent_path() / "cgroup.procs", pid);
    std::error_code ec;
    if (!any && fs::remove(dir_, ec)) return;
    ::usleep(20'000);  // a process moving out: the kernel's, not a wait for drover
  }
}

bool PidsCgroup::enter(pid_t pid) const {
  return !dir_.empty() && write_text(dir_ / "cgroup.procs", std::to_string(pid));
}

bool PidsCgroup::set_max(const std::string& v) const {
  return !dir_.empty() && write_text(dir_ / "pids.max", v);
}

long PidsCgroup::current() const {
  if (dir_.empty()) return -1;
  std::ifstream f(dir_ / "pids.current");
  long n = -1;
  f >> n;
  return n;
}

void write_config(const fs::path& project, const std::string& text) {
  const fs::path cfg = project / ".drover/config.toml";
  const fs::path tmp = project / ".drover/config.toml.torture-tmp";
  if (write_text(tmp, text)) fs::rename(tmp, cfg);
}

bool set_fd_limit(pid_t pid, std::uint64_t soft, std::uint64_t hard) {
  rlimit lim{static_cast<rlim_t>(soft), static_cast<rlim_t>(hard)};
  return ::prlimit(pid, RLIMIT_NOFILE, &lim, nullptr) == 0;
}

bool get_fd_limit(pid_t pid, std::uint64_t& soft, std::uint64_t& hard) {
  rlimit lim{};
  if (::prlimit(pid, RLIMIT_NOFILE, nullptr, &lim) != 0) return false;
  soft = lim.rlim_cur;
  hard = lim.rlim_max;
  return true;
}

long open_fds(pid_t pid) {
  DIR* d = ::opendir(("/proc/" + std::to_string(pid) + "/fd").c_str());
  if (d == nullptr) return -1;
  long n = 0;
  while (dirent* e = ::readdir(d))
    if (e->d_name[0] != '.') ++n;
  ::closedir(d);
  return n;
}

}  // namespace torture
