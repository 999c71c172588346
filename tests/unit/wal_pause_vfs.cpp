#include "wal_pause_vfs.h"

#include <map>
#include <thread>

namespace drover::test {

WalPauseVfs* WalPauseVfs::current = nullptr;

namespace wal_pause {

thread_local bool armed = false;
// One patched copy of each io_methods table a WAL file was opened with; the original
// xWrite of each, to pass writes through.
std::map<const sqlite3_io_methods*, sqlite3_io_methods> patched;
std::map<const sqlite3_io_methods*, int (*)(sqlite3_file*, const void*, int, sqlite3_int64)>
    real_write;
sqlite3_vfs* real_vfs = nullptr;

int write(sqlite3_file* f, const void* data, int amount, sqlite3_int64 offset) {
  int rc = real_write.at(f->pMethods)(f, data, amount, offset);
  if (rc == SQLITE_OK && armed && WalPauseVfs::current != nullptr)
    WalPauseVfs::current->after_wal_write(data, amount, offset);
  return rc;
}

int open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* f, int flags, int* out_flags) {
  int rc = real_vfs->xOpen(real_vfs, name, f, flags, out_flags);
  if (rc != SQLITE_OK || f->pMethods == nullptr || (flags & SQLITE_OPEN_WAL) == 0) return rc;
  auto [it, fresh] = patched.try_emplace(f->pMethods, *f->pMethods);
  if (fresh) {
    real_write[&it->second] = f->pMethods->xWrite;
    it->second.xWrite = write;
  }
  f->pMethods = &it->second;
  return rc;
}

}  // namespace wal_pause

WalPauseVfs::WalPauseVfs() {
  real_ = sqlite3_vfs_find(nullptr);
  wal_pause::real_vfs = real_;
  shim_ = *real_;
  shim_.zName = "drover-wal-pause";
  shim_.xOpen = wal_pause::open;
  current = this;
  sqlite3_vfs_register(&shim_, 1);
}

WalPauseVfs::~WalPauseVfs() {
  release();
  sqlite3_vfs_register(real_, 1);
  sqlite3_vfs_unregister(&shim_);
  current = nullptr;
}

void WalPauseVfs::arm_this_thread() { wal_pause::armed = true; }

// SQLite writes each WAL frame as a 24-byte header, then the page. A header whose second
// word (the database size after the commit) is not zero marks the commit frame, so the
// page write after it is the last write of the transaction. Through drover's VFS
// (store/wal_write_vfs.h) the frames come gathered in one write that ends with the commit
// frame: its header is then the last kFrame bytes (4 KiB pages, the tests' databases).
void WalPauseVfs::after_wal_write(const void* data, int amount, sqlite3_int64 offset) {
  constexpr sqlite3_int64 kFrame = 24 + 4096;
  const auto* b = static_cast<const unsigned char*>(data);
  auto commits = [](const unsigned char* h) { return (h[4] | h[5] | h[6] | h[7]) != 0; };
  if (amount == 24) {
    commit_frame_ = commits(b);
    return;
  }
  sqlite3_int64 last = offset + amount - kFrame;  // the last frame's header, if whole
  if (last >= offset && (last - 32) % kFrame == 0) commit_frame_ = commits(b + (last - offset));
  if (!commit_frame_) return;
  commit_frame_ = false;
  wal_pause::armed = false;
  std::unique_lock lock(mu_);
  paused_ = true;
  cv_.notify_all();
  cv_.wait(lock, [&] { return released_; });
}

bool WalPauseVfs::wait_paused(std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return paused_; });
}

void WalPauseVfs::release() {
  std::lock_guard lock(mu_);
  released_ = true;
  cv_.notify_all();
}

}  // namespace drover::test
