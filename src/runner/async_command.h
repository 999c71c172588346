#pragma once
// A short command run beside the supervisor's loop instead of blocking it (issue 19: the
// branch push after a settle, which talks to a git remote that may be slow or gone). Its
// output is read from its pipes and its exit from its pidfd as the loop's other work goes
// on: watchdogs, streams, wake-ups and the host's lease renewal are not held up by it.
//
// Contract: `done` is called exactly once, from the loop, never from inside start():
//   - with the command's output once it has exited and both its pipes are closed;
//   - with Errc::failed "timed out after D" when it ran past `timeout`: its process group
//     was killed and it was reaped first;
//   - with its output so far when it exited but something outside its process group still
//     held its pipes at `timeout`;
//   - with spawn()'s error (os/spawn.h) when it could not be started;
//   - with Errc::failed "stopped: WHY" when cancel(WHY) came before it ended: its process
//     group was killed and it was reaped first (its pipes are not waited for, as at the
//     deadline). A cancel after `done` was called does nothing.
// A command still running when the loop drops it (the supervisor exiting) is killed with
// its process group and reaped: nothing is left behind.
#include <sys/types.h>

#include <boost/asio/any_io_executor.hpp>
#include <chrono>
#include <functional>
#include <memory>
#include <string>

#include "core/result.h"
#include "os/run_command.h"
#include "os/spawn.h"

namespace drover::runner {

using CommandDone = std::function<void(Result<os::CommandOutput>)>;

// What the caller keeps of a command under way: a way to end it early.
class AsyncCommandHandle {
 public:
  virtual ~AsyncCommandHandle() = default;
  virtual void cancel(const std::string& why) = 0;
  // The command's process (the leader of its own process group); 0 when it never started.
  virtual pid_t pid() const = 0;
};

// Spawns `request` (stdin closed) and reports through `done` as above. The handle may be
// dropped: the command still runs to its end (or its deadline).
std::shared_ptr<AsyncCommandHandle> run_command_async(const boost::asio::any_io_executor& ex,
                                                      const os::SpawnRequest& request,
                                                      std::chrono::milliseconds timeout,
                                                      CommandDone done);

}  // namespace drover::runner
