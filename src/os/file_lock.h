#pragma once
// flock(2) on an O_CLOEXEC fd opened for this acquisition (SPEC §5.1.1). Excludes other
// threads and other processes alike; the kernel drops it when the holder dies.
#include <chrono>
#include <filesystem>

#include "core/result.h"

namespace drover::os {

class FileLock {
 public:
  FileLock() = default;
  FileLock(FileLock&& other) noexcept;
  FileLock& operator=(FileLock&& other) noexcept;
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
  ~FileLock();

  // Takes the lock or fails at once with Errc::conflict ("<path> is locked").
  // Creates the file (0600) if missing.
  static Result<FileLock> try_acquire(const std::filesystem::path& path);
  // Waits up to `timeout` (polling the lock with a short back-off; flock has no timed
  // wait), then Errc::conflict.
  static Result<FileLock> acquire(const std::filesystem::path& path,
                                  std::chrono::milliseconds timeout);

  bool held() const { return fd_ >= 0; }
  int fd() const { return fd_; }
  void release();

 private:
  explicit FileLock(int fd) : fd_(fd) {}
  int fd_ = -1;
};

// True when someone holds the lock right now. Probes with LOCK_SH|LOCK_NB on a fresh fd
// and drops it at once; a missing file means "not held". Read-only commands use this.
bool is_locked(const std::filesystem::path& path);

}  // namespace drover::os
