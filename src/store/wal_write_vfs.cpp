#include "store/wal_write_vfs.h"

#include <sqlite3.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <utility>
#include <vector>

namespace drover::store {

namespace wal_write {

constexpr int kFrameHeader = 24;          // a WAL frame's header (the file format's)
constexpr sqlite3_int64 kWalHeader = 32;  // the -wal file's own header, before frame 1
// The unix VFS writes at most 128 KiB - 1 per call (it masks a larger length, and reports
// the short write as a full disk): what is gathered is written once it passes this, and
// written in pieces of at most this.
constexpr std::size_t kMaxWrite = 0x1f000;

std::atomic<std::uint64_t> frames_gathered{0};
std::atomic<std::uint64_t> wal_writes{0};

// Frames handed over by SQLite and not yet written: bytes for [start, start + size).
struct Gathered {
  std::vector<unsigned char> bytes;
  sqlite3_int64 start = 0;
  bool after_header = false;  // the last bytes are a frame's header; its page comes next
  bool commits = false;       // ... and that frame commits its transaction
  // Where the last read of the file began (-1 once anything else came after it). SQLite
  // rewrites a frame's header (its checksums) right after reading that frame back; such a
  // write is not a new frame and is never gathered.
  sqlite3_int64 read_at = -1;
  sqlite3_int64 end() const { return start + static_cast<sqlite3_int64>(bytes.size()); }
};

struct File {
  sqlite3_file base;   // what SQLite holds; first, so a File* is a sqlite3_file*
  sqlite3_file* real;  // the file of the VFS that opened it
  Gathered* wal;       // a -wal file's gathered frames; null for any other file
};

File* as_file(sqlite3_file* f) { return reinterpret_cast<File*>(f); }
sqlite3_file* real_of(sqlite3_file* f) { return as_file(f)->real; }

int write_through(sqlite3_file* real, const void* data, int amount, sqlite3_int64 offset) {
  wal_writes.fetch_add(1, std::memory_order_relaxed);
  return real->pMethods->xWrite(real, data, amount, offset);
}

// Writes what is gathered; on failure the frames are dropped (SQLite abandons the
// transaction they belong to, and writes it again from its own pages if it retries).
int flush(File* f) {
  Gathered* g = f->wal;
  if (g == nullptr || g->bytes.empty()) return SQLITE_OK;
  int rc = SQLITE_OK;
  for (std::size_t done = 0; done < g->bytes.size() && rc == SQLITE_OK; done += kMaxWrite) {
    std::size_t n = std::min(kMaxWrite, g->bytes.size() - done);
    rc = write_through(f->real, g->bytes.data() + done, static_cast<int>(n),
                       g->start + static_cast<sqlite3_int64>(done));
  }
  g->bytes.clear();
  g->after_header = g->commits = false;
  return rc;
}

void gather(Gathered* g, const void* data, int amount) {
  const auto* b = static_cast<const unsigned char*>(data);
  g->bytes.insert(g->bytes.end(), b, b + amount);
}

int x_write(sqlite3_file* file, const void* data, int amount, sqlite3_int64 offset) {
  File* f = as_file(file);
  Gathered* g = f->wal;
  if (g == nullptr) return f->real->pMethods->xWrite(f->real, data, amount, offset);
  const bool reread = std::exchange(g->read_at, -1) == offset;
  const bool header = amount == kFrameHeader && offset >= kWalHeader && !reread;
  const bool at_end = !g->bytes.empty() && offset == g->end();
  if (at_end && g->after_header && !header) {
    // The page of the frame whose header came last.
    gather(g, data, amount);
    g->after_header = false;
    if (g->commits || g->bytes.size() >= kMaxWrite) return flush(f);
    return SQLITE_OK;
  }
  if (header && (g->bytes.empty() || (at_end && !g->after_header))) {
    if (g->bytes.empty()) g->start = offset;
    gather(g, data, amount);
    frames_gathered.fetch_add(1, std::memory_order_relaxed);
    const auto* b = static_cast<const unsigned char*>(data);
    g->after_header = true;
    g->commits = (b[4] | b[5] | b[6] | b[7]) != 0;  // the database size after a commit
    return SQLITE_OK;
  }
  // Anything else (the -wal header, a frame rewritten in place, a header's checksum
  // rewritten): what is gathered goes first, then this, as SQLite asked.
  if (int rc = flush(f); rc != SQLITE_OK) return rc;
  return write_through(f->real, data, amount, offset);
}

// Every other operation on a -wal file sees the file as SQLite believes it is.
#define DROVER_FLUSHED(call)                                       \
  do {                                                             \
    if (int rc = flush(as_file(file)); rc != SQLITE_OK) return rc; \
    return call;                                                   \
  } while (0)

int x_close(sqlite3_file* file) {
  File* f = as_file(file);
  int flushed = flush(f);
  int rc = f->real->pMethods != nullptr ? f->real->pMethods->xClose(f->real) : SQLITE_OK;
  delete f->wal;
  sqlite3_free(f->real);
  f->wal = nullptr;
  f->real = nullptr;
  return flushed != SQLITE_OK ? flushed : rc;
}
int x_read(sqlite3_file* file, void* out, int amount, sqlite3_int64 offset) {
  File* f = as_file(file);
  if (f->wal != nullptr) f->wal->read_at = offset;
  sqlite3_file* r = f->real;
  DROVER_FLUSHED(r->pMethods->xRead(r, out, amount, offset));
}
int x_truncate(sqlite3_file* file, sqlite3_int64 size) {
  sqlite3_file* r = real_of(file);
  DROVER_FLUSHED(r->pMethods->xTruncate(r, size));
}
int x_sync(sqlite3_file* file, int flags) {
  sqlite3_file* r = real_of(file);
  DROVER_FLUSHED(r->pMethods->xSync(r, flags));
}
int x_file_size(sqlite3_file* file, sqlite3_int64* size) {
  sqlite3_file* r = real_of(file);
  DROVER_FLUSHED(r->pMethods->xFileSize(r, size));
}
int x_lock(sqlite3_file* file, int level) {
  sqlite3_file* r = real_of(file);
  DROVER_FLUSHED(r->pMethods->xLock(r, level));
}
int x_unlock(sqlite3_file* file, int level) {
  sqlite3_file* r = real_of(file);
  DROVER_FLUSHED(r->pMethods->xUnlock(r, level));
}
int x_check_reserved_lock(sqlite3_file* file, int* out) {
  sqlite3_file* r = real_of(file);
  DROVER_FLUSHED(r->pMethods->xCheckReservedLock(r, out));
}
int x_file_control(sqlite3_file* file, int op, void* arg) {
  sqlite3_file* r = real_of(file);
  DROVER_FLUSHED(r->pMethods->xFileControl(r, op, arg));
}
#undef DROVER_FLUSHED

int x_sector_size(sqlite3_file* file) {
  sqlite3_file* r = real_of(file);
  return r->pMethods->xSectorSize(r);
}
int x_device_characteristics(sqlite3_file* file) {
  sqlite3_file* r = real_of(file);
  return r->pMethods->xDeviceCharacteristics(r);
}
// The wal-index (-shm) belongs to the database file, whose writes are never gathered.
int x_shm_map(sqlite3_file* file, int page, int size, int extend, void volatile** out) {
  sqlite3_file* r = real_of(file);
  if (r->pMethods->iVersion < 2) return SQLITE_IOERR_SHMMAP;
  return r->pMethods->xShmMap(r, page, size, extend, out);
}
int x_shm_lock(sqlite3_file* file, int offset, int n, int flags) {
  sqlite3_file* r = real_of(file);
  if (r->pMethods->iVersion < 2) return SQLITE_IOERR_SHMLOCK;
  return r->pMethods->xShmLock(r, offset, n, flags);
}
void x_shm_barrier(sqlite3_file* file) {
  sqlite3_file* r = real_of(file);
  if (r->pMethods->iVersion >= 2) r->pMethods->xShmBarrier(r);
}
int x_shm_unmap(sqlite3_file* file, int remove) {
  sqlite3_file* r = real_of(file);
  if (r->pMethods->iVersion < 2) return SQLITE_OK;
  return r->pMethods->xShmUnmap(r, remove);
}
int x_fetch(sqlite3_file* file, sqlite3_int64 offset, int amount, void** out) {
  sqlite3_file* r = real_of(file);
  if (r->pMethods->iVersion < 3) {
    *out = nullptr;
    return SQLITE_OK;
  }
  return r->pMethods->xFetch(r, offset, amount, out);
}
int x_unfetch(sqlite3_file* file, sqlite3_int64 offset, void* page) {
  sqlite3_file* r = real_of(file);
  if (r->pMethods->iVersion < 3) return SQLITE_OK;
  return r->pMethods->xUnfetch(r, offset, page);
}

const sqlite3_io_methods kMethods = {
    3,
    x_close,
    x_read,
    x_write,
    x_truncate,
    x_sync,
    x_file_size,
    x_lock,
    x_unlock,
    x_check_reserved_lock,
    x_file_control,
    x_sector_size,
    x_device_characteristics,
    x_shm_map,
    x_shm_lock,
    x_shm_barrier,
    x_shm_unmap,
    x_fetch,
    x_unfetch,
};

// The VFS every call is passed to: the default one when the call is made.
sqlite3_vfs* under() { return sqlite3_vfs_find(nullptr); }

int x_open(sqlite3_vfs*, sqlite3_filename name, sqlite3_file* file, int flags, int* out_flags) {
  File* f = as_file(file);
  f->base.pMethods = nullptr;
  f->wal = nullptr;
  sqlite3_vfs* vfs = under();
  f->real = static_cast<sqlite3_file*>(sqlite3_malloc(vfs->szOsFile));
  if (f->real == nullptr) return SQLITE_NOMEM;
  std::memset(f->real, 0, static_cast<std::size_t>(vfs->szOsFile));
  int rc = vfs->xOpen(vfs, name, f->real, flags, out_flags);
  if (rc != SQLITE_OK) {
    if (f->real->pMethods != nullptr) f->real->pMethods->xClose(f->real);
    sqlite3_free(f->real);
    f->real = nullptr;
    return rc;
  }
  if ((flags & SQLITE_OPEN_WAL) != 0) f->wal = new Gathered();
  f->base.pMethods = &kMethods;
  return SQLITE_OK;
}

int x_delete(sqlite3_vfs*, const char* name, int sync_dir) {
  return under()->xDelete(under(), name, sync_dir);
}
int x_access(sqlite3_vfs*, const char* name, int flags, int* out) {
  return under()->xAccess(under(), name, flags, out);
}
int x_full_pathname(sqlite3_vfs*, const char* name, int n, char* out) {
  return under()->xFullPathname(under(), name, n, out);
}
void* x_dl_open(sqlite3_vfs*, const char* name) { return under()->xDlOpen(under(), name); }
void x_dl_error(sqlite3_vfs*, int n, char* out) { under()->xDlError(under(), n, out); }
void (*x_dl_sym(sqlite3_vfs*, void* handle, const char* sym))(void) {
  return under()->xDlSym(under(), handle, sym);
}
void x_dl_close(sqlite3_vfs*, void* handle) { under()->xDlClose(under(), handle); }
int x_randomness(sqlite3_vfs*, int n, char* out) { return under()->xRandomness(under(), n, out); }
int x_sleep(sqlite3_vfs*, int micros) { return under()->xSleep(under(), micros); }
int x_current_time(sqlite3_vfs*, double* out) { return under()->xCurrentTime(under(), out); }
int x_get_last_error(sqlite3_vfs*, int n, char* out) {
  return under()->xGetLastError(under(), n, out);
}
int x_current_time_int64(sqlite3_vfs*, sqlite3_int64* out) {
  return under()->xCurrentTimeInt64(under(), out);
}
int x_set_system_call(sqlite3_vfs*, const char* name, sqlite3_syscall_ptr call) {
  return under()->xSetSystemCall(under(), name, call);
}
sqlite3_syscall_ptr x_get_system_call(sqlite3_vfs*, const char* name) {
  return under()->xGetSystemCall(under(), name);
}
const char* x_next_system_call(sqlite3_vfs*, const char* name) {
  return under()->xNextSystemCall(under(), name);
}

sqlite3_vfs make_vfs() {
  sqlite3_vfs v{};
  v.iVersion = 3;
  v.szOsFile = sizeof(File);
  v.mxPathname = under()->mxPathname;
  v.zName = "drover-wal-writes";
  v.xOpen = x_open;
  v.xDelete = x_delete;
  v.xAccess = x_access;
  v.xFullPathname = x_full_pathname;
  v.xDlOpen = x_dl_open;
  v.xDlError = x_dl_error;
  v.xDlSym = x_dl_sym;
  v.xDlClose = x_dl_close;
  v.xRandomness = x_randomness;
  v.xSleep = x_sleep;
  v.xCurrentTime = x_current_time;
  v.xGetLastError = x_get_last_error;
  v.xCurrentTimeInt64 = x_current_time_int64;
  v.xSetSystemCall = x_set_system_call;
  v.xGetSystemCall = x_get_system_call;
  v.xNextSystemCall = x_next_system_call;
  return v;
}

}  // namespace wal_write

const char* wal_write_vfs() {
  static sqlite3_vfs vfs = [] {
    sqlite3_vfs v = wal_write::make_vfs();
    return v;
  }();
  static const bool registered = [] { return sqlite3_vfs_register(&vfs, 0) == SQLITE_OK; }();
  return registered ? vfs.zName : nullptr;
}

WalWriteCounts wal_write_counts() {
  return {wal_write::frames_gathered.load(std::memory_order_relaxed),
          wal_write::wal_writes.load(std::memory_order_relaxed)};
}

}  // namespace drover::store
