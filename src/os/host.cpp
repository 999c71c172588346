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

int lookup_executable(const std::string& command, const std::filesystem::path& cwd,
                      std::filesystem::path* found) {
  if (command.empty()) return ENOENT;
  if (command.find('/') != std::string::npos) {
    std::filesystem::path p(command);
    if (p.is_relative() && !cwd.empty()) p = cwd / p;  // the child chdirs before exec
    int err = executable_error(p);
    if (err == 0 && found) *found = p;
    return err;
  }
  const char* path_env = std::getenv("PATH");
  std::string_view search = path_env != nullptr ? path_env : "/bin:/usr/bin";
  int result = ENOENT;
  for (;;) {
    auto colon = search.find(':');
    std::string_view dir = search.substr(0, colon);
    std::filesystem::path candidate =
        dir.empty() ? std::filesystem::path(command) : std::filesystem::path(dir) / command;
    int err = executable_error(candidate);
    if (err == 0) {
      if (found) *found = candidate;
      return 0;
    }
    if (err == EACCES && result == ENOENT) {
      result = EACCES;  // as execvp: remember a found-but-not-executable one
      if (found) *found = candidate;
    }
    if (colon == std::string_view::npos) break;
    search.remove_prefix(colon + 1);
  }
  return result;
}

std::optional<std::filesystem::path> find_executable(const std::string& command,
                                                     const std::filesystem::path& cwd,
                                                     std::string* why) {
  std::filesystem::path p;
  int err = lookup_executable(command, cwd, &p);
  if (err == 0) return p;
  if (why) {
    if (command.empty()) *why = "the command is empty";
    else if (command.find('/') != std::string::npos)
      *why = (cwd.empty() || std::filesystem::path(command).is_absolute()
                  ? std::filesystem::path(command)
                  : cwd / command)
                 .string() +
             ": " + std::strerror(err);
    else if (err == EACCES) *why = p.string() + " is not executable";
    else *why = "not found on PATH";
  }
  return std::nullopt;
}

bool running_as_root() { return ::geteuid() == 0; }

}  // namespace drover::os

namespace drover::os {

std::string host_name() {
  char buf[256] = {};
  if (::gethostname(buf, sizeof buf - 1) != 0) return "";
  return buf;
}

}  // namespace drover::os
