#pragma once
// Waiting for one file to be touched (inotify), so a command following the database
// (`sling --wait`, `nudge --wait`, `log --follow`, the live view) wakes when a writer has
// committed instead of on its next poll. The file watched is the store's commit signal
// (store/store.h): every drover writer touches it once its commit is visible to readers.
// Linux only, like the rest of src/os/.
#include <chrono>
#include <filesystem>

namespace drover::os {

class FileWatch {
 public:
  // Watches `file` for a change of its times or contents, creating it (empty, 0600) if it
  // is missing. If that fails or inotify is unavailable (no instances left, an odd
  // filesystem), the watch is inert and wait() just sleeps.
  explicit FileWatch(const std::filesystem::path& file);
  ~FileWatch();
  FileWatch(const FileWatch&) = delete;
  FileWatch& operator=(const FileWatch&) = delete;

  // Returns when the file was touched since the last call (true) or after `timeout`
  // (false). Touches are coalesced: one wake-up for any number of them.
  bool wait(std::chrono::milliseconds timeout);

  bool active() const { return fd_ >= 0; }
  // The inotify descriptor (-1 when inert), for a caller that polls it with other
  // descriptors (the live view); it becomes readable on a touch. drain() then consumes
  // the queued changes so the next poll waits for a new one.
  int fd() const { return fd_; }
  void drain();

 private:
  int fd_ = -1;
};

}  // namespace drover::os
