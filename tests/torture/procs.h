#pragma once
// The processes of one torture run, found in /proc by a marker in their environment: every
// drover command the torture starts carries DROVER_TORTURE_MARK=<mark>, and the supervisor,
// its agents and their children inherit it.
#include <dirent.h>
#include <sys/types.h>

#include <cctype>
#include <cstdlib>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace torture {

struct Proc {
  pid_t pid = 0;
  pid_t ppid = 0;
  std::vector<std::string> argv;
};

inline std::string slurp(const std::string& path) {
  std::ifstream f(path, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

inline std::vector<std::string> split_nul(const std::string& s) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find('\0', start);
    if (end == std::string::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

// Live (not zombie) processes whose environment holds DROVER_TORTURE_MARK=mark.
inline std::vector<Proc> marked_processes(const std::string& mark) {
  std::vector<Proc> out;
  const std::string needle = "DROVER_TORTURE_MARK=" + mark;
  DIR* dir = ::opendir("/proc");
  if (dir == nullptr) return out;
  while (dirent* e = ::readdir(dir)) {
    if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
    std::string base = std::string("/proc/") + e->d_name;
    std::string stat = slurp(base + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos || close + 4 >= stat.size()) continue;  // gone while we looked
    char state = stat[close + 2];
    if (state == 'Z' || state == 'X') continue;
    bool marked = false;
    for (const auto& var : split_nul(slurp(base + "/environ")))
      if (var == needle) marked = true;
    if (!marked) continue;
    pid_t ppid = static_cast<pid_t>(std::strtol(stat.c_str() + close + 4, nullptr, 10));
    out.push_back(
        {static_cast<pid_t>(std::stol(e->d_name)), ppid, split_nul(slurp(base + "/cmdline"))});
  }
  ::closedir(dir);
  return out;
}

inline bool is_agent(const Proc& p) {
  return !p.argv.empty() && p.argv[0].size() >= 14 &&
         p.argv[0].compare(p.argv[0].size() - 14, 14, "scripted-agent") == 0;
}
// A `drover turn <agent>` foreground runner.
inline bool is_runner(const Proc& p) { return p.argv.size() >= 2 && p.argv[1] == "turn"; }

inline std::string describe(const Proc& p) {
  std::string s = std::to_string(p.pid) + ":";
  for (const auto& a : p.argv) s += " " + a.substr(0, 60);
  return s;
}

}  // namespace torture
