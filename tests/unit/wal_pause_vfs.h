#pragma once
// A test VFS that stops a writer inside its commit: after SQLite has written the WAL frame
// that commits a transaction (the file has changed) and before it publishes the commit in
// the wal-index (-shm, written through mmap), which is when readers can see it. This is the
// window in which a watcher woken by the WAL write reads the database and finds nothing new.
//
// Installed as SQLite's default VFS for the lifetime of the object; it passes everything
// through to the real default VFS, and pauses only writes made on the thread that called
// arm_this_thread().
#include <sqlite3.h>

#include <chrono>
#include <condition_variable>
#include <mutex>

namespace drover::test {

class WalPauseVfs {
 public:
  WalPauseVfs();
  ~WalPauseVfs();
  WalPauseVfs(const WalPauseVfs&) = delete;
  WalPauseVfs& operator=(const WalPauseVfs&) = delete;

  // The calling thread's next commit pauses after its commit frame is in the WAL.
  void arm_this_thread();
  // Waits until an armed writer is paused there; false after `timeout`.
  bool wait_paused(std::chrono::milliseconds timeout);
  // Lets the paused writer go on (publish its commit).
  void release();

  // For the VFS callbacks.
  static WalPauseVfs* current;
  void after_wal_write(const void* data, int amount, sqlite3_int64 offset);

 private:
  sqlite3_vfs* real_ = nullptr;
  sqlite3_vfs shim_{};
  std::mutex mu_;
  std::condition_variable cv_;
  bool paused_ = false, released_ = false, commit_frame_ = false;
};

}  // namespace drover::test
