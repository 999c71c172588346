#include "os/host.h"

#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string_view>

namespace drover::os {

namespace {

// 0 when `file` is an executable regular file, else an errno value.
int executable_error(const std::filesystem::path& file) {
  struct stat st {};
  if (::stat(file.c_str(), &st) != 0) return errno;
  if (!S_ISREG(st.st_mode)) return EACCES;
  if (::access(file.c_str(), X_OK) != 0) return errno;
  return 0;
}

}  // namespace

std::optional<std::filesystem::path> find_executable(const std::string& command,
                                                     const std::filesystem::path& cwd, std::string* why) {
  auto fail = [&](const std::string& reason) -> std::optional<std::filesystem::path> {
    if (why) *why = reason;
    return std::nullopt;
  };
  if (command.empty()) return fail("the command is empty");
  if (command.find('/') != std::string::npos) {
    std::filesystem::path p(command);
    if (p.is_relative() && !cwd.empty()) p = cwd / p;
    int err = executable_error(p);
    if (err == 0) return p;
    return fail(p.string() + ": " + std::strerror(err));
  }
  const char* path_env = std::getenv("PATH");
  std::string_view search = path_env != nullptr ? path_env : "/bin:/usr/bin";
  std::optional<std::filesystem::path> not_executable;
  for (;;) {
    auto colon = search.find(':');
    std::string_view dir = search.substr(0, colon);
    std::filesystem::path candidate = dir.empty() ? std::filesystem::path(command)
                                                  : std::filesystem::path(dir) / command;
    int err = executable_error(candidate);
    if (err == 0) return candidate;
    if (err == EACCES && !not_executable) not_executable = candidate;
    if (colon == std::string_view::npos) break;
    search.remove_prefix(colon + 1);
  }
  if (not_executable) return fail(not_executable->string() + " is not executable");
  return fail("not found on PATH");
}

bool running_as_root() { return ::geteuid() == 0; }

}  // namespace drover::os
