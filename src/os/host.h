#pragma once
// Facts about the machine `drover doctor` reports on: where a command resolves, and
// which user we run as.
#include <filesystem>
#include <optional>
#include <string>

namespace drover::os {

// The lookup posix_spawnp does (with our PATH, not the child's), errno-style: 0 with
// *found set; ENOENT when nothing is found; EACCES when a candidate exists but is not an
// executable regular file (*found names it); another errno from stat or access.
int lookup_executable(const std::string& command, const std::filesystem::path& cwd,
                      std::filesystem::path* found = nullptr);

// Resolves a command the way spawning it would: a name with a '/' is a path (relative to
// `cwd` when relative), anything else is searched on our PATH. Returns the executable
// regular file found, or nullopt. `why` (if given) receives the reason on failure.
std::optional<std::filesystem::path> find_executable(const std::string& command,
                                                     const std::filesystem::path& cwd,
                                                     std::string* why = nullptr);

// geteuid() == 0.
bool running_as_root();

// gethostname(2); "" when it fails.
std::string host_name();

}  // namespace drover::os
