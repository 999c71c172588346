#pragma once
// Waiting for the next commit to a store, so a command following it (`sling --wait`,
// `nudge --wait`, `log --follow`, `feed --follow`, the live view) wakes when a writer has
// committed instead of on its next poll. SQLite: the commit signal file beside the
// database, watched with inotify (os/file_watch.h, store.h). PostgreSQL: every write
// transaction of a drover Store sends a notification with its commit (pg_notify on the
// channel "drover_commit", naming its schema), and the watch LISTENs on a connection of
// its own, keeping only its own schema's.
// If the watch cannot be set up (no inotify, the server cannot be reached) it is inert:
// wait() just sleeps, and the caller's poll still finds every change.
#include <chrono>
#include <memory>

namespace drover::store {

class Store;

class CommitWatch {
 public:
  virtual ~CommitWatch() = default;
  // Returns when a commit happened since the last call (true) or after `timeout` (false).
  // Commits are coalesced: one wake-up for all that were already known (PostgreSQL may
  // deliver a commit made just before as one more wake-up).
  virtual bool wait(std::chrono::milliseconds timeout) = 0;
  // A descriptor that becomes readable on a commit (-1 when inert), for a caller that polls
  // it with others (the live view); drain() then consumes what woke it.
  virtual int fd() const = 0;
  virtual void drain() = 0;
};

// A watch on commits to `store`'s database (by any process, from now on).
std::unique_ptr<CommitWatch> watch_commits(const Store& store);

// The channel drover's PostgreSQL commits notify (the payload is the schema written).
inline constexpr const char* kPgCommitChannel = "drover_commit";

}  // namespace drover::store
