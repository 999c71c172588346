#include "os/process.h"

#include "core/resource_errors.h"

#include <dirent.h>
#include <fcntl.h>
#include <malloc.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <charconv>
#include <cstring>
#include <optional>
#include <vector>

namespace drover::os {
namespace {

constexpr std::string_view kPidFileShape = "<pid> <pgid> <start_ticks> <boot_id>";

std::string errno_text(int err) { return std::strerror(err); }

// Reads a small /proc file. ENOENT and ESRCH (the process vanished mid-read) both mean
// "no such process", reported as std::nullopt with `err` set.
std::optional<std::string> read_proc_file(const std::string& path, int& err) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) {
    err = errno;
    return std::nullopt;
  }
  std::string out;
  char buf[4096];
  for (;;) {
    ssize_t n = ::read(fd, buf, sizeof buf);
    if (n < 0) {
      if (errno == EINTR) continue;
      err = errno;
      ::close(fd);
      return std::nullopt;
    }
    if (n == 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(fd);
  return out;
}

template <class Int>
bool parse_decimal(std::string_view s, Int& out) {
  if (s.empty()) return false;
  for (char c : s) {
    if (c < '0' || c > '9') return false;
  }
  auto [end, ec] = std::from_chars(s.data(), s.data() + s.size(), out);
  return ec == std::errc() && end == s.data() + s.size();
}

struct StatFields {
  char state = '?';
  pid_t pgid = 0;
  pid_t sid = 0;
  std::uint64_t start_ticks = 0;
};

// comm (field 2) may hold spaces and parentheses, so fields are counted from the last ')'.
std::optional<StatFields> parse_stat(std::string_view text) {
  auto close = text.rfind(')');
  if (close == std::string_view::npos) return std::nullopt;
  std::string_view rest = text.substr(close + 1);
  std::vector<std::string_view> fields;  // fields[0] is field 3 (state)
  std::size_t i = 0;
  while (i < rest.size() && fields.size() < 20) {
    while (i < rest.size() && (rest[i] == ' ' || rest[i] == '\n')) ++i;
    std::size_t start = i;
    while (i < rest.size() && rest[i] != ' ' && rest[i] != '\n') ++i;
    if (i > start) fields.push_back(rest.substr(start, i - start));
  }
  if (fields.size() < 20 || fields[0].size() != 1) return std::nullopt;
  StatFields f;
  f.state = fields[0][0];
  if (!parse_decimal(fields[2], f.pgid)) return std::nullopt;          // field 5
  if (!parse_decimal(fields[3], f.sid)) return std::nullopt;           // field 6
  if (!parse_decimal(fields[19], f.start_ticks)) return std::nullopt;  // field 22
  return f;
}

bool is_dead_state(char state) { return state == 'Z' || state == 'X' || state == 'x'; }

std::string proc_stat_path(pid_t pid) { return "/proc/" + std::to_string(pid) + "/stat"; }

Error pid_file_error(std::string what) { return make_error(Errc::usage, std::move(what)); }

}  // namespace

const std::string& boot_id() {
  static const std::string cached = [] {
    int err = 0;
    auto text = read_proc_file("/proc/sys/kernel/random/boot_id", err);
    std::string id = text.value_or("");
    auto first = id.find_first_not_of(" \t\r\n");
    auto last = id.find_last_not_of(" \t\r\n");
    return first == std::string::npos ? std::string() : id.substr(first, last - first + 1);
  }();
  return cached;
}

Result<ProcessIdentity> read_identity(pid_t pid) {
  if (pid <= 0) return make_error(Errc::not_found, "no process " + std::to_string(pid));
  int err = 0;
  auto path = proc_stat_path(pid);
  auto text = read_proc_file(path, err);
  if (!text) {
    if (err == ENOENT || err == ESRCH) {
      return make_error(Errc::not_found, "no process " + std::to_string(pid));
    }
    return make_error(errc_of_errno(err), "cannot read " + path + ": " + errno_text(err));
  }
  auto fields = parse_stat(*text);
  if (!fields) return make_error(Errc::failed, "cannot parse " + path);
  ProcessIdentity id;
  id.pid = pid;
  id.pgid = fields->pgid;
  id.start_ticks = fields->start_ticks;
  id.boot_id = boot_id();
  return id;
}

std::string format_pid_file(const ProcessIdentity& id) {
  return std::to_string(id.pid) + " " + std::to_string(id.pgid) + " " +
         std::to_string(id.start_ticks) + " " + id.boot_id + "\n";
}

Result<ProcessIdentity> parse_pid_file(std::string_view text) {
  if (text.empty() || text == "\n") return pid_file_error("pid file is empty");
  std::string_view body = text;
  if (body.back() == '\n') body.remove_suffix(1);
  std::vector<std::string_view> fields;
  std::size_t start = 0;
  for (;;) {
    auto space = body.find(' ', start);
    fields.push_back(body.substr(start, space == std::string_view::npos ? space : space - start));
    if (space == std::string_view::npos) break;
    start = space + 1;
  }
  bool shape_ok = fields.size() == 4;
  for (auto f : fields) {
    for (char c : f) {
      if (static_cast<unsigned char>(c) <= ' ' || c == 0x7f) shape_ok = false;
    }
    if (f.empty()) shape_ok = false;
  }
  if (!shape_ok) {
    return pid_file_error("pid file is not '" + std::string(kPidFileShape) + "'");
  }
  ProcessIdentity id;
  if (!parse_decimal(fields[0], id.pid) || id.pid <= 0) {
    return pid_file_error("pid file has an invalid pid '" + std::string(fields[0]) + "'");
  }
  if (!parse_decimal(fields[1], id.pgid) || id.pgid <= 0) {
    return pid_file_error("pid file has an invalid pgid '" + std::string(fields[1]) + "'");
  }
  if (!parse_decimal(fields[2], id.start_ticks)) {
    return pid_file_error("pid file has invalid start ticks '" + std::string(fields[2]) + "'");
  }
  id.boot_id = std::string(fields[3]);
  return id;
}

Liveness check_identity(const ProcessIdentity& id) {
  if (id.pid <= 0) return Liveness::gone;
  int err = 0;
  auto text = read_proc_file(proc_stat_path(id.pid), err);
  if (!text) return Liveness::gone;
  auto fields = parse_stat(*text);
  if (!fields || is_dead_state(fields->state)) return Liveness::gone;
  if (fields->start_ticks != id.start_ticks || id.boot_id != boot_id()) return Liveness::reused;
  return Liveness::alive;
}

Result<bool> signal_group(pid_t pgid, int sig) {
  // kill(0, …) and kill(-1, …) would hit our own group or every process we may signal.
  if (pgid <= 1) {
    return make_error(Errc::usage, "refusing to signal process group " + std::to_string(pgid));
  }
  if (pgid == ::getpgrp()) {
    return make_error(Errc::usage,
                      "refusing to signal process group " + std::to_string(pgid) + ": our own");
  }
  if (::kill(-pgid, sig) == 0) return true;
  int err = errno;
  if (err == ESRCH) return false;
  return make_error(Errc::failed,
                    "cannot signal process group " + std::to_string(pgid) + ": " + errno_text(err));
}

bool group_alive(pid_t pgid) {
  if (pgid <= 0) return false;
  bool kill_says_alive = ::kill(-pgid, 0) == 0 || errno == EPERM;
  if (!kill_says_alive) return false;
  // The usual case in O(1): the group's leader itself is a live member. A watchdog stop
  // asks this every few milliseconds for every turn it stops; a scan of /proc each time
  // made a wave of 1,000 stalls O(n²) (issue 18).
  int err = 0;
  if (auto text = read_proc_file(proc_stat_path(pgid), err))
    if (auto leader = parse_stat(*text);
        leader && leader->pgid == pgid && !is_dead_state(leader->state))
      return true;
  // kill() also succeeds for a group of zombies; only /proc tells them apart.
  for (const auto& p : list_processes())
    if (p.pgid == pgid && !p.dead) return true;
  return false;
}

std::vector<ProcessEntry> list_processes() {
  std::vector<ProcessEntry> out;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* entry = ::readdir(dir)) {
    pid_t pid = 0;
    if (!parse_decimal(std::string_view(entry->d_name), pid) || pid <= 0) continue;
    int err = 0;
    auto text = read_proc_file(proc_stat_path(pid), err);
    if (!text) continue;  // exited while we looked
    auto fields = parse_stat(*text);
    if (!fields) continue;
    out.push_back(
        {pid, fields->pgid, fields->sid, fields->start_ticks, is_dead_state(fields->state)});
  }
  ::closedir(dir);
  return out;
}

Result<bool> signal_process(pid_t pid, std::uint64_t start_ticks, int sig) {
  if (pid <= 1) return make_error(Errc::usage, "refusing to signal process " + std::to_string(pid));
  // The pidfd pins the process: once its start ticks are checked, the signal cannot reach
  // a later process that reused the pid.
  int fd = static_cast<int>(::syscall(SYS_pidfd_open, pid, 0));
  if (fd < 0)
    return errno == ESRCH ? Result<bool>(false)
                          : make_error(Errc::failed, "cannot open process " + std::to_string(pid) +
                                                         ": " + errno_text(errno));
  bool same = false;
  int err = 0;
  if (auto text = read_proc_file(proc_stat_path(pid), err))
    if (auto fields = parse_stat(*text)) same = fields->start_ticks == start_ticks;
  bool sent = same && ::syscall(SYS_pidfd_send_signal, fd, sig, nullptr, 0) == 0;
  ::close(fd);
  return sent;
}

void keep_freed_memory() {
  (void)::mallopt(M_TRIM_THRESHOLD, 32 << 20);
  (void)::mallopt(M_TOP_PAD, 1 << 20);
  (void)::mallopt(M_MMAP_THRESHOLD, 1 << 20);
}

void ignore_sigpipe() {
  struct sigaction sa {};
  sa.sa_handler = SIG_IGN;
  sigemptyset(&sa.sa_mask);
  ::sigaction(SIGPIPE, &sa, nullptr);
}

Status become_child_subreaper() {
  if (::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) != 0) {
    return make_error(Errc::failed, "cannot become child subreaper: " + errno_text(errno));
  }
  return ok_status();
}

int reap_exited_children() {
  int count = 0;
  for (;;) {
    int status = 0;
    pid_t pid = ::waitpid(-1, &status, WNOHANG);
    if (pid > 0) {
      ++count;
      continue;
    }
    if (pid < 0 && errno == EINTR) continue;
    break;  // 0: children remain but none exited; -1/ECHILD: no children
  }
  return count;
}

}  // namespace drover::os
