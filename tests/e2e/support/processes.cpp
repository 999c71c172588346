#include "support/processes.h"

#include <doctest/doctest.h>
#include <signal.h>

#include <sstream>
#include <string_view>

#include "os/file_lock.h"

namespace e2e {

namespace fs = std::filesystem;

namespace {

std::vector<int> all_pids() {
  std::vector<int> pids;
  std::error_code ec;
  fs::directory_iterator it("/proc", ec);
  REQUIRE_FALSE(ec);  // no /proc would make every "nothing left running" check pass
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (!name.empty() && name.find_first_not_of("0123456789") == std::string::npos)
      pids.push_back(std::stoi(name));
  }
  return pids;
}

bool running_state(char s) { return s != 'Z' && s != 'X' && s != 'x'; }

}  // namespace

bool proc_stat(int pid, char& state, long& pgid) {
  std::string text = read_text("/proc/" + std::to_string(pid) + "/stat");
  auto close = text.rfind(')');
  if (close == std::string::npos) return false;
  std::istringstream rest(text.substr(close + 1));
  long ppid = 0;
  return static_cast<bool>(rest >> state >> ppid >> pgid);
}

std::vector<int> live_group_members(long pgid) {
  std::vector<int> out;
  for (int pid : all_pids()) {
    char state = 0;
    long g = 0;
    if (proc_stat(pid, state, g) && g == pgid && running_state(state)) out.push_back(pid);
  }
  return out;
}

bool group_alive(long long pgid) { return !live_group_members(static_cast<long>(pgid)).empty(); }

std::vector<int> live_agent_processes(const TempProject& p, const std::string& agent) {
  const std::string want_agent = "DROVER_AGENT=" + agent,
                    want_project = "DROVER_PROJECT=" + p.root().string();
  std::vector<int> out;
  for (int pid : all_pids()) {
    std::string env = read_text("/proc/" + std::to_string(pid) + "/environ");
    bool a = false, pr = false;
    std::size_t start = 0;
    while (start < env.size()) {
      auto end = env.find('\0', start);
      if (end == std::string::npos) end = env.size();
      std::string_view var(env.data() + start, end - start);
      a = a || var == want_agent;
      pr = pr || var == want_project;
      start = end + 1;
    }
    char state = 0;
    long g = 0;
    if (a && pr && proc_stat(pid, state, g) && running_state(state)) out.push_back(pid);
  }
  return out;
}

fs::path supervisor_lock(const TempProject& p) { return p.root() / ".drover/supervisor.lock"; }

pid_t supervisor_pid(const TempProject& p) {
  std::istringstream in(read_text(p.root() / ".drover/supervisor.pid"));
  pid_t pid = 0;
  in >> pid;
  return pid;
}

void kill_supervisor(const TempProject& p) {
  pid_t pid = supervisor_pid(p);
  REQUIRE(pid > 0);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  REQUIRE(wait_until([&] { return !drover::os::is_locked(supervisor_lock(p)); }, kDeadline));
}

}  // namespace e2e
