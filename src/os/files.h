#pragma once
// Files under .drover/: atomic writes, private modes.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace drover::os {

enum class Durability {
  synced,     // fsync the file and its directory: survives a power loss (config, init)
  volatile_,  // no fsync: for facts about live processes (pid files), which a reboot
              // makes moot anyway; readers still never see a half-written file
};

// Writes via a temp file in the same directory, (fsync,) rename(, fsync of the directory).
// The file ends with `mode` (default 0600). Never leaves a half-written target.
Status write_file_atomic(const std::filesystem::path& path, std::string_view contents,
                         unsigned mode = 0600, Durability durability = Durability::synced);
// Reads a whole file. not_found if missing; failed (with errno text) otherwise.
Result<std::string> read_file(const std::filesystem::path& path);
// The last `max_bytes` of a file (all of it when shorter): the tail of a log.
Result<std::string> read_file_tail(const std::filesystem::path& path, std::size_t max_bytes);
// Sets an open file's mode to 0600, whatever the umask made it when it was created
// (for files another library creates, such as spdlog's logs).
Status make_fd_private(int fd);
// mkdir -p with mode 0700 for every directory it creates.
Status make_private_dirs(const std::filesystem::path& path);
// Bytes available to us on the filesystem holding `path` (or its nearest existing parent);
// nullopt when it cannot be measured.
std::optional<std::uintmax_t> free_bytes(const std::filesystem::path& path);
// Sets a file's times to now (an inotify watch on it sees IN_ATTRIB), creating it empty
// with mode 0600 when it is missing. Best effort: false when neither worked.
bool touch(const std::filesystem::path& path);
// Removes a file; succeeds if it does not exist.
Status remove_file(const std::filesystem::path& path);

// Which file a path names now (device and inode): nullopt when it does not exist. A file
// replaced by another of the same name (or deleted) has a different identity.
struct FileIdentity {
  unsigned long long device = 0, inode = 0;
  bool operator==(const FileIdentity&) const = default;
};
std::optional<FileIdentity> file_identity(const std::filesystem::path& path);
// Removes a directory and everything in it (symlinks are removed, never followed);
// succeeds if it does not exist.
Status remove_tree(const std::filesystem::path& path);
// Whether `path` names a directory (false on any error).
bool is_directory(const std::filesystem::path& path);

// A directory held open for many lookups relative to it (status checks for a file in each
// of thousands of agent directories): no path built and resolved from the root each time.
class OpenDir {
 public:
  explicit OpenDir(const std::filesystem::path& dir);  // never fails: see may_exist
  ~OpenDir();
  OpenDir(const OpenDir&) = delete;
  OpenDir& operator=(const OpenDir&) = delete;
  // False only when `relative` is certainly absent (ENOENT, ENOTDIR); true when it exists
  // or when that cannot be told (the directory did not open, another error), so a caller
  // skips only work that would have found nothing.
  bool may_exist(const char* relative) const;

 private:
  int fd_ = -1;
};

}  // namespace drover::os
