#pragma once
// One agent turn as a supervised child process (SPEC §5; DESIGN "Data flow"):
// lock → re-read session → claim mail → spawn → turn.pid → in_turn → stream → watchdog →
// settle in one transaction → remove turn.pid → unlock, on every path.
#include <chrono>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/config.h"
#include "core/paths.h"
#include "core/session_state.h"
#include "core/settle.h"
#include "core/stream_json.h"
#include "runner/spawner.h"

namespace boost::asio {
class io_context;
}
namespace spdlog {
class logger;
}

namespace drover::store {
class Store;
class Tx;
}  // namespace drover::store

namespace drover::runner {

class EventBatch;
class HeavyLane;

// One step of a running turn, as the events table records it (kind, level, data) plus the
// short summary a foreground runner's --json progress lists.
struct TurnProgress {
  std::string agent;
  std::int64_t turn_id = 0;
  std::string kind;   // turn_start, turn_end, or a stream event's kind
  std::string level;  // info|warn|error
  std::string data;   // JSON object text
  std::string summary;
};

struct RunnerContext {
  ProjectPaths paths;
  Config config;
  store::Store* store = nullptr;
  std::shared_ptr<spdlog::logger> log;
  // This host's name on the store (core/host_id.h, docs/hosts.md): a turn takes the
  // agent's lease for it, and its settle is fenced by that lease. Empty: no leases (tests
  // of one runner alone).
  std::string host;
  // Seams: monotonic time for the watchdog and stop policy, and how children are started
  // and signalled. Tests put fakes here.
  const MonotonicClock* clock = &SteadyClock::instance();
  Spawner* spawner = &os_spawner();
  // The project's cgroup (runner/containment.h): each turn gets its own below it and is
  // ended with cgroup.kill. nullopt: process groups only.
  std::optional<std::filesystem::path> cgroup;
  // Where running turns' events go (runner/event_batch.h): the supervisor's, shared by
  // every turn it runs. nullptr: each turn writes its events at once.
  EventBatch* batch = nullptr;
  // Where a turn's settle waits its turn (runner/heavy_lane.h): the supervisor's, so due
  // watchdog timers never wait behind a burst of settles. nullptr: settle at once.
  HeavyLane* lane = nullptr;
  // How long a running turn may hold its transcript's lines before it writes them (issue
  // 18: one write per line cost ~13 % of the supervisor's CPU with 1,000 turns streaming).
  // 0: written at each read. Held lines are written once they reach 4 KiB, at the turn's
  // end, and by write_held_output(); a supervisor killed meanwhile loses them (the events
  // of those lines are in the store). docs/decisions.md.
  Millis transcript_hold{0};
  // How often a turn whose events flow refreshes its session's last_activity (SPEC: at most
  // every 2 s). The supervisor lengthens it while 16 turns or more run (docs/decisions.md):
  // each refresh rewrites a session row, a page of its own in the commit.
  Millis activity_every{2000};
  // Progress view: called on the loop thread for each parsed event and lifecycle step.
  std::function<void(const TurnProgress&)> on_progress;
};

struct TurnRequest {
  std::string agent;
  bool wait_for_lock = false;                 // false: try-lock (the supervisor skips busy agents)
  std::chrono::milliseconds lock_timeout{0};  // with wait_for_lock
};

struct TurnReport {
  std::string agent;
  std::int64_t turn_id = 0;
  TurnOutcome outcome = TurnOutcome::failed;
  std::optional<SessionState> state;  // after settle (nullopt when the transition lost)
  std::string reason;
  std::optional<int> exit_code, signal;
  bool settled = false;  // false: the settle transaction failed (logged)
};

// A running turn. Methods must be called on the loop thread.
class TurnHandle {
 public:
  virtual ~TurnHandle() = default;
  // Run the stop policy and settle the turn: as interrupted (resumable) on a supervisor
  // shutdown, or as the store says (a stop, a `pause --now`). `why` is what the log says
  // the turn is stopped for.
  virtual void interrupt(const std::string& why) = 0;
  // Live input (core/live_input.h): writes the agent's pending live mail into this turn now,
  // claimed by it. Nothing happens unless the runtime has live input, its stdin is still
  // open, the turn is not stopping, and the agent is neither paused nor being stopped.
  // Returns how many messages went in.
  virtual int deliver_live_mail() = 0;
  virtual std::int64_t turn_id() const = 0;
  virtual const std::string& agent() const = 0;
  // Writes what the turn holds back of its transcript, if it has held it for
  // RunnerContext::transcript_hold already (the supervisor's tick: a turn that went quiet).
  virtual void write_held_output() = 0;
};

struct StartResult {
  enum class Kind {
    started,       // the child runs; `done` will be called on the loop
    no_work,       // no pending mail, or the agent is not runnable: nothing happened
    busy,          // another runner holds the turn lock
    paused,        // the agent is paused, or the E-stop is on (core/pause.h): nothing happened
    spawn_failed,  // the command could not be started: mail released, state untouched
    deferred,      // a passing shortage (processes, files, memory: Errc::resource) stopped
                   // the start: mail released, state untouched, nothing counted; retry later
    failed,        // anything else (turn.pid write, store): cleaned up, message says what
  };
  Kind kind = Kind::no_work;
  std::shared_ptr<TurnHandle> handle;
  std::int64_t turn_id = 0;
  pid_t pid = 0;  // started: the child (the leader of the turn's process group)
  std::string message;
};

// SPEC §5.1.6 / §7: a turn that could not be started (StartResult::spawn_failed) marks the
// agent failed and tells its parent; logged. `turn` 0: no turn row.
void fail_start(RunnerContext& ctx, const std::string& agent, const std::string& why,
                std::int64_t turn);

// Prepares and spawns synchronously; streaming, watchdog and settle then run on `io`,
// ending with `done(report)` after turn.pid is removed and the lock released.
StartResult start_turn(boost::asio::io_context& io, RunnerContext& ctx, const TurnRequest& req,
                       std::function<void(const TurnReport&)> done);

}  // namespace drover::runner
