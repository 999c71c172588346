#include "core/containment.h"

#include <cstdint>
#include <cstdio>

namespace drover {

bool cgroups_enabled(const char* env_value) {
  if (env_value == nullptr) return true;
  std::string_view v(env_value);
  return !(v == "off" || v == "0" || v == "no" || v == "false");
}

std::string project_cgroup_name(const std::filesystem::path& project_root) {
  std::uint64_t h = 14695981039346656037ull;  // FNV-1a: stable across builds and processes
  for (unsigned char c : project_root.string()) {
    h ^= c;
    h *= 1099511628211ull;
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", static_cast<unsigned long long>(h));
  return std::string("drover-") + hex;
}

std::string turn_cgroup_name(std::string_view agent) { return "agent-" + std::string(agent); }

namespace {

bool is_project_cgroup_name(const std::string& name) {
  if (name.size() != 7 + 16 || name.rfind("drover-", 0) != 0) return false;
  for (char c : name.substr(7))
    if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
  return true;
}

}  // namespace

std::optional<std::filesystem::path> outside_turn_cgroups(const std::filesystem::path& own) {
  std::filesystem::path above;
  std::string prev;
  for (const auto& part : own) {
    std::string name = part.string();
    if (is_project_cgroup_name(prev) && name.size() > 6 && name.rfind("agent-", 0) == 0)
      return above.parent_path();  // `above` ends with the project cgroup
    above /= part;
    prev = std::move(name);
  }
  return std::nullopt;
}

bool is_turn_cgroup_path(const std::filesystem::path& p, std::string_view agent) {
  if (!p.is_absolute() || p.filename() != turn_cgroup_name(agent)) return false;
  if (!is_project_cgroup_name(p.parent_path().filename().string())) return false;
  for (const auto& part : p)
    if (part == "..") return false;
  return true;
}

std::string describe_containment(const std::optional<std::filesystem::path>& cgroup,
                                 std::string_view why_not) {
  if (cgroup)
    return "cgroup v2 at " + cgroup->string() +
           ": every turn runs in its own cgroup and is ended with cgroup.kill; every process "
           "of a turn, setsid daemons included, is ended";
  return "process groups only (" + std::string(why_not) +
         "): a process that calls setsid or changes its process group is not caught; "
         "every other process of a turn is ended, also after a crash";
}

}  // namespace drover
