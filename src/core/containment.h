#pragma once
// How a turn's processes are held so that none outlives the turn (docs/reliability.md),
// pure: the names of drover's cgroups, the switch that turns them off, and what each mode
// can and cannot catch, in the words `doctor` uses.
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

namespace drover {

// DROVER_CGROUPS=off forces process-group mode (tests, and users who want no cgroups).
inline constexpr std::string_view kCgroupsEnv = "DROVER_CGROUPS";
// True unless the variable's value (nullptr when unset) is "off", "0", "no" or "false".
bool cgroups_enabled(const char* env_value);

// The project's cgroup, a child of the cgroup drover runs in: "drover-<16 hex digits of a
// hash of the project root>", so two projects never share one.
std::string project_cgroup_name(const std::filesystem::path& project_root);
// An agent's turn cgroup under the project's: "agent-<name>" (one turn per agent at a time:
// the turn lock).
std::string turn_cgroup_name(std::string_view agent);
// Whether a path read back from turn.cgroup has the shape drover gives it:
// …/drover-<hex>/agent-<agent>. Anything else is never written to.
bool is_turn_cgroup_path(const std::filesystem::path& p, std::string_view agent);

// When `own` (a process's cgroup directory) lies inside a turn's cgroup — any project's
// …/drover-<hex>/agent-<name>, however deep below it — the cgroup the outermost such project
// cgroup lives in: where a process started from inside a turn belongs when it is not the
// turn's (a supervisor an agent's command started). nullopt otherwise.
std::optional<std::filesystem::path> outside_turn_cgroups(const std::filesystem::path& own);

// What `doctor` says of the mode in use: cgroup v2 at `cgroup`, or process groups only
// with the reason cgroups are not used.
std::string describe_containment(const std::optional<std::filesystem::path>& cgroup,
                                 std::string_view why_not);

}  // namespace drover
