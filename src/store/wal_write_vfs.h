#pragma once
// A SQLite VFS that writes a transaction's WAL frames to the -wal file in one `pwrite`
// (issue 18: CPU per streamed event; docs/decisions.md).
//
// SQLite writes each frame of a commit as two writes, its 24-byte header and then its page:
// an event batch of 100 rows is ~250 system calls, the largest number of any part of a
// streamed event. Through this VFS the frames are gathered in memory and written at once
// when the page of the frame that commits (a header whose "database size" is not zero) has
// been handed over — in that same call, so before SQLite publishes the commit in the
// wal-index, which is when any reader can look at those frames.
//
// Nothing else waits: every other operation on the -wal file (a read, a write anywhere but
// at the end of what is gathered, sync, truncate, size, lock, close) first writes what is
// gathered; so does a gathering that reaches 124 KiB. The database file, journals and the
// -shm are passed through untouched. A process that dies with frames gathered loses only
// frames of a transaction that had not committed, as it would have by dying between writes.
//
// Every file is opened through the default VFS of the moment (the unix VFS, or a test's
// wrapper of it).
#include <cstdint>

namespace drover::store {

// Registers the VFS once (thread-safe) and returns its name, for sqlite3_open_v2.
const char* wal_write_vfs();

// What the VFS did in this process, for tests: frames gathered, and writes made to -wal
// files (each gathering written is one).
struct WalWriteCounts {
  std::uint64_t frames = 0;
  std::uint64_t writes = 0;
};
WalWriteCounts wal_write_counts();

}  // namespace drover::store
