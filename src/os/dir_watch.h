#pragma once
// Waiting for a directory's files to change (inotify), so a command following the
// database (`sling --wait`, `nudge --wait`, `log --follow`) wakes when a writer commits
// instead of on its next poll. Linux only, like the rest of src/os/.
#include <chrono>
#include <filesystem>

namespace drover::os {

class DirWatch {
 public:
  // Watches `dir` for files written, created or moved in. If inotify is unavailable (no
  // instances left, an odd filesystem), the watch is inert and wait() just sleeps.
  explicit DirWatch(const std::filesystem::path& dir);
  ~DirWatch();
  DirWatch(const DirWatch&) = delete;
  DirWatch& operator=(const DirWatch&) = delete;

  // Returns when something changed since the last call (true) or after `timeout` (false).
  // Changes are coalesced: one wake-up for any number of writes.
  bool wait(std::chrono::milliseconds timeout);

  bool active() const { return fd_ >= 0; }
  // The inotify descriptor (-1 when inert), for a caller that polls it with other
  // descriptors (the live view); it becomes readable on a change. drain() then consumes
  // the queued changes so the next poll waits for a new one.
  int fd() const { return fd_; }
  void drain();

 private:
  int fd_ = -1;
};

}  // namespace drover::os
