#pragma once
// What preparation (start_turn.cpp) hands to the streaming phase (turn_run.cpp), and the
// pieces they share (runner-internal).
#include <functional>
#include <optional>
#include <string>

#include "core/capability.h"
#include "core/session.h"
#include "core/watchdog.h"
#include "os/process.h"
#include "os/spawn.h"
#include "runner/runner.h"
#include "runner/turn_ends.h"
#include "runner/turn_lease.h"

namespace drover::runner {

// An owned file descriptor: closed when dropped.
class OwnedFd {
 public:
  OwnedFd() = default;
  explicit OwnedFd(int fd) : fd_(fd) {}
  OwnedFd(OwnedFd&& o) noexcept : fd_(o.fd_) { o.fd_ = -1; }
  OwnedFd& operator=(OwnedFd&& o) noexcept;
  OwnedFd(const OwnedFd&) = delete;
  OwnedFd& operator=(const OwnedFd&) = delete;
  ~OwnedFd();
  int get() const { return fd_; }

 private:
  int fd_ = -1;
};

struct PreparedTurn {
  std::string agent;
  std::int64_t turn_id = 0;
  Session session;  // as re-read under the lock
  Capability capability;
  std::optional<std::string> resume_id;  // the session id the turn was started with
  std::string user_line;                 // the NDJSON line for stdin
  bool live_input = false;               // the runtime's (core/config.h): stdin stays open
  bool live_interrupt = false;
  os::SpawnedChild child;
  os::ProcessIdentity identity;
  TurnLease lease;
  StallBudgets budgets;
  StopPolicy stop_policy;
  SettlePolicy settle_policy;      // from the config the turn started with (a reload waits for
                                   // the next turn)
  OwnedFd transcript, stderr_log;  // .drover/logs/<agent>/<turn>.{stdout.ndjson,stderr.log}
  SteadyPoint spawned_at;
  std::optional<std::filesystem::path> cgroup;  // the turn's own, in cgroup mode
};

// What the streaming phase observed, when the turn is over (runner/settle_turn.cpp).
struct Streamed {
  TurnObservation how;
  std::optional<double> cost_usd;
  std::optional<std::int64_t> input_tokens, output_tokens;
  std::optional<std::string> session_id;           // the id the runtime reported
  std::vector<std::int64_t> unanswered_live_mail;  // core/live_input.h
};

// Observes the worktree, settles the turn in one transaction (runner/turn_ends.h), logs
// it and returns the report.
// `first` is written first in the settle's transaction (RunEnd::first).
TurnReport settle_turn(RunnerContext& ctx, const PreparedTurn& t, const Streamed& s,
                       std::function<void(store::Tx&)> first = {});

// Cgroup mode: kills whatever is left in the turn's cgroup (setsid daemons too) and removes
// it — before the settle, so that nothing of the turn is alive once its end is visible.
void end_turn_processes(RunnerContext& ctx, PreparedTurn& t);

// The end of every path: remove turn.pid, release the lock (runner/settle_turn.cpp).
void cleanup_turn_files(RunnerContext& ctx, PreparedTurn& t);

// Loads .drover/capabilities/<cap>.md, or the built-in default when it is missing.
Capability load_capability(RunnerContext& ctx, const std::string& name);

// Starts streaming for a spawned child (runner/turn_run.cpp).
std::shared_ptr<TurnHandle> run_streaming(boost::asio::io_context& io, RunnerContext& ctx,
                                          PreparedTurn turn,
                                          std::function<void(const TurnReport&)> done);

}  // namespace drover::runner
