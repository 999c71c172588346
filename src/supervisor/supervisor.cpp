#include "supervisor/loop.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/local/datagram_protocol.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/pause.h"
#include "core/spawn_backoff.h"
#include "core/text.h"
#include "core/watchdog.h"
#include "os/daemon.h"
#include "os/files.h"
#include "os/process.h"
#include "runner/event_batch.h"
#include "runner/heavy_lane.h"
#include "runner/live_delivery.h"
#include "runner/runner.h"
#include "runner/terminal_mail.h"
#include "runner/turn_ends.h"
#include "store/sessions.h"
#include "store/settings.h"
#include "store/store.h"
#include "supervisor/conditions.h"
#include "supervisor/config_watch.h"
#include "supervisor/database_watch.h"
#include "supervisor/host_watch.h"
#include "supervisor/paced_loop.h"
#include "supervisor/recovery.h"
#include "supervisor/running_turns.h"
#include "supervisor/shutdown_request.h"
#include "supervisor/store_wake.h"
#include "supervisor/supervisor.h"

namespace drover::supervisor {

namespace asio = boost::asio;
using dgram = asio::local::datagram_protocol;

namespace {

// How long one round of the scheduler may start turns before the loop runs other work.
constexpr Millis kStartSlice{5};
// Commits to a shared store wake the supervisor at most this often (supervisor/store_wake.h).
constexpr Millis kStoreWakeEvery{50};

class Supervisor {
 public:
  Supervisor(runner::RunnerContext& ctx, const std::filesystem::path& sock_path)
      : ctx_(ctx),
        signals_(io_, SIGTERM, SIGINT),
        hangup_(io_, SIGHUP),
        socket_(io_),
        poll_(io_),
        grace_(io_),
        retry_(io_),
        sock_path_(sock_path),
        backoff_(ctx.config.supervisor.max_concurrent_turns),
        config_watch_(ctx.paths.config()),
        batch_(io_, *ctx.store, ctx.log, write_holds(0).events),
        lane_(io_),
        hosts_(ctx),
        store_wake_(io_, kStoreWakeEvery, [this] { woken(false, nullptr); }) {
    ctx_.batch = &batch_;
    ctx_.lane = &lane_;
  }
  ~Supervisor() {
    ctx_.batch = nullptr;
    ctx_.lane = nullptr;
  }

  Status run() {
    conditions_.supervisor = ::getpid();
    reload_config(false, nullptr);  // the text the config came from, and the state file
    if (auto in = hosts_.enter(); !in)
      ctx_.log->error("host {}: {}", ctx_.host, in.error().message);
    auto rep = recover(ctx_);
    ctx_.log->info("recovery: {}", summary(rep));
    if (store_wake_.start(*ctx_.store))
      ctx_.log->info("woken by every commit to the store (LISTEN)");
    (void)os::remove_file(sock_path_);
    boost::system::error_code ec;
    socket_.open(dgram(), ec);
    if (!ec) socket_.bind(dgram::endpoint(sock_path_.string()), ec);
    if (ec)
      ctx_.log->warn("cannot listen on {}: {}; relying on the {} poll", sock_path_.string(),
                     ec.message(), format_duration(ctx_.config.supervisor.poll_interval));
    else receive();
    signals_.async_wait([this](boost::system::error_code e, int sig) {
      if (!e)
        begin_shutdown(std::string("signal ") + (sig == SIGTERM ? "SIGTERM" : "SIGINT"), false);
    });
    await_hangup();
    arm_poll();
    schedule();
    run_paced(io_, [this] { return running_.size(); });
    (void)batch_.flush();
    socket_.close(ec);
    (void)os::remove_file(sock_path_);
    clear_conditions(ctx_.paths);
    ctx_.log->info("supervisor stopped");
    return ok_status();
  }

 private:
  void receive() {
    socket_.async_receive(asio::buffer(buf_), [this](boost::system::error_code ec, std::size_t n) {
      if (ec) {
        if (ec != asio::error::operation_aborted) ctx_.log->warn("wake socket: {}", ec.message());
        return;
      }
      bool reload = false;
      for (std::size_t i = 0; i < n; ++i) {
        if (buf_[i] == kDown) begin_shutdown("drover down", false);
        if (buf_[i] == kDownNow) begin_shutdown("drover down --now", true);
        reload = reload || buf_[i] == kReload;
      }
      woken(reload, reload ? "drover reload" : nullptr);
      receive();
    });
  }

  // A poke on the socket or another host's commit: the config first (it may name a new
  // runtime), then a shutdown request, live mail and new work.
  void woken(bool force_reload, const char* why) {
    reload_config(force_reload, why);
    check_shutdown_request();
    deliver_live();
    request_schedule();
  }

  void arm_poll() {
    poll_.expires_after(ctx_.config.supervisor.poll_interval);
    poll_.async_wait([this](boost::system::error_code ec) {
      if (ec) return;
      (void)os::reap_children_except(running_.pids());
      running_.each([](const std::string&, runner::TurnHandle& turn) { turn.write_held_output(); });
      reload_config(false, nullptr);
      if (state_unwritten_) write_state();
      check_shutdown_request();
      if (!shutting_down_ && db_watch_.replaced(*ctx_.log))
        begin_shutdown("its database was replaced", true);
      if (!shutting_down_) {
        auto own = running_.agents();
        if (search_dead_runners(poll_ticks_++, running_.size())) {
          auto rep = adopt_dead_runners(ctx_, own, &recovery_retries_);
          if (any(rep)) ctx_.log->info("after a dead runner: {}", summary(rep));
        }
        hosts_.tick(ctx_.clock->now(), own, [this](const std::string& a, const std::string& why) {
          if (auto* turn = running_.find(a)) turn->interrupt(why);
        });
      }
      deliver_live();
      request_schedule();
      arm_poll();  // while shutting down too: a `down --now` may still come
    });
  }

  // The durable request `drover down` leaves (supervisor/shutdown_request.h): honoured when
  // it names this supervisor, removed when it names an earlier one.
  void check_shutdown_request() {
    auto req = read_shutdown_request(ctx_.paths);
    if (!req) return;
    if (req->supervisor != ::getpid()) return clear_shutdown_request(ctx_.paths);
    if (shutting_down_ && (!req->now || interrupted_)) return;
    begin_shutdown(req->now ? "drover down --now" : "drover down", req->now);
  }

  // Live input: live mail for an agent whose turn runs here goes into that turn now.
  void deliver_live() {
    if (shutting_down_ || running_.empty()) return;
    runner::deliver_live_mail(ctx_, [this](const std::string& agent) {
      if (auto* turn = running_.find(agent)) turn->deliver_live_mail();
    });
  }

  // Every reason to look for work (a poke, the poll, a settle, a slice running out) asks
  // here: one round is queued at a time, so a burst of settles cannot line up a start each
  // between two looks at the timers (issue 18: stall lateness).
  void request_schedule() {
    if (schedule_queued_) return;
    schedule_queued_ = true;
    lane_.push([this] {
      schedule_queued_ = false;
      schedule();
    });
  }

  void schedule() {
    if (shutting_down_) return;
    SteadyPoint now = ctx_.clock->now();
    if (!backoff_.may_start(now)) return arm_retry();
    // Under the E-stop nothing is a candidate (and start_turn checks again as it claims).
    auto candidates = ctx_.store->read<std::vector<Candidate>>(
        [&](store::Tx& tx) -> Result<std::vector<Candidate>> {
          if (tx.settings().get(kEstopKey)) return std::vector<Candidate>{};
          return tx.sessions().runnable(ctx_.host);
        });
    if (!candidates) {
      ctx_.log->error("scheduling: {}", candidates.error().message);
      return;
    }
    auto running = running_.agents();
    auto wall = SystemClock::instance().now();
    auto picks = pick_turns(*candidates, running, backoff_.limit(), wall);
    if (picks.empty() && !candidates->empty() &&
        running.size() >= static_cast<std::size_t>(backoff_.limit()))
      ctx_.log->debug("{} agent(s) waiting: all {} turn slots busy", candidates->size(),
                      running.size());
    // Starting a turn blocks the loop for a few milliseconds (claim, spawn, turn.pid): a
    // burst of them runs in slices through the lane, which lets the running turns' pipes
    // and due timers go first between slices, so a thousand starts do not hold a watchdog
    // deadline back (issue 18).
    SteadyPoint slice_end = ctx_.clock->now() + kStartSlice;
    for (const auto& agent : picks) {
      if (ctx_.clock->now() >= slice_end) {
        request_schedule();
        break;
      }
      if (!start(agent)) return;  // deferred: no more starts until the backoff allows
    }
    if (!backoff_.episode()) return;
    auto startable = pick_turns(*candidates, running, std::numeric_limits<int>::max(), wall);
    if (backoff_.on_round(now, static_cast<int>(startable.size() - picks.size()))) end_shortage();
  }

  // How long what the turns stream may wait depends on how many run (paced_loop.h).
  void running_changed() {
    WriteHolds holds = write_holds(running_.size());
    batch_.set_every(holds.events);
    ctx_.transcript_hold = holds.transcript;
    ctx_.activity_every = holds.activity;
  }

  // Returns false when a passing shortage deferred the start (SPEC §5.1.6 does not apply:
  // the agent is not failed).
  bool start(const std::string& agent) {
    runner::TurnRequest req{agent, false, std::chrono::milliseconds(0)};
    auto r = runner::start_turn(io_, ctx_, req, [this, agent](const runner::TurnReport& rep) {
      running_.erase(agent);
      running_changed();
      (void)rep;
      (void)os::reap_children_except(running_.pids());
      if (shutting_down_) {
        if (running_.empty()) io_.stop();
        return;
      }
      request_schedule();
    });
    using Kind = runner::StartResult::Kind;
    switch (r.kind) {
      case Kind::started:
        running_.add(agent, r.handle, r.pid);
        running_changed();
        ctx_.log->info("started {} turn {} ({} of {} slots)", agent, r.turn_id, running_.size(),
                       backoff_.limit());
        if (backoff_.on_started(static_cast<int>(running_.size()))) end_shortage();
        else if (backoff_.episode()) write_state();
        break;
      case Kind::deferred: defer(agent, r.message); return false;
      case Kind::busy:
        ctx_.log->info("skipping {}: its turn lock is held by another runner", agent);
        break;
      case Kind::no_work: break;
      case Kind::paused: break;  // paused after the candidates were read
      case Kind::spawn_failed: runner::fail_start(ctx_, agent, r.message, r.turn_id); break;
      case Kind::failed:
        ctx_.log->error("cannot start a turn for {}: {}", agent, escape_control(r.message));
        break;
    }
    return true;
  }

  // docs/reliability.md "Transient faults": the turn was not started (its mail is pending
  // again, nothing counted against the agent); starts wait and run fewer at once.
  void defer(const std::string& agent, const std::string& why) {
    int running = static_cast<int>(running_.size());
    if (backoff_.on_shortage(ctx_.clock->now(), running, why)) {
      shortage_since_ = now_timestamp();
      ctx_.log->warn(
          "starts deferred: a resource is short ({}: {}); running at most {} turn(s) of {}, "
          "retrying after a pause that grows to 30s",
          agent, escape_control(why), backoff_.limit(),
          ctx_.config.supervisor.max_concurrent_turns);
    }
    write_state();
    arm_retry();
  }

  void end_shortage() {
    const auto& e = backoff_.last_episode();
    if (e)
      ctx_.log->info(
          "starts succeed again: {} start(s) deferred and {} started since {}; up to {} turn(s)",
          e->shortages, e->started, shortage_since_, backoff_.limit());
    write_state();
  }

  void arm_retry() {
    auto at = backoff_.retry_at();
    if (!at) return;
    retry_.expires_at(*at);
    retry_.async_wait([this](boost::system::error_code ec) {
      if (!ec) request_schedule();
    });
  }

  void await_hangup() {
    hangup_.async_wait([this](boost::system::error_code ec, int) {
      if (ec) return;
      reload_config(true, "SIGHUP");
      await_hangup();
    });
  }

  // config.toml, when its text changed or when asked (`why`): see follow_config.
  void reload_config(bool force, const char* why) {
    auto followed =
        follow_config(config_watch_, conditions_, *ctx_.log, force, why, ctx_.clock->now());
    if (followed.config) apply_config(std::move(*followed.config));
    if (followed.changed) write_state();
  }

  void apply_config(Config c) {
    ctx_.config = std::move(c);
    backoff_.set_max(ctx_.config.supervisor.max_concurrent_turns);
  }

  // .drover/supervisor.state (supervisor/conditions.h); retried at the next poll when it
  // cannot be written now (the shortage may be of file descriptors).
  void write_state() {
    conditions_.spawns = shortage_of(
        backoff_, shortage_since_, ctx_.config.supervisor.max_concurrent_turns, ctx_.clock->now());
    state_unwritten_ = !write_conditions(ctx_.paths, conditions_).ok();
  }

  void begin_shutdown(const std::string& why, bool now) {
    if (shutting_down_) {
      if (now) interrupt_all();
      return;
    }
    shutting_down_ = true;
    ctx_.log->info("shutting down ({}): {} turn(s) running", why, running_.size());
    if (running_.empty()) return io_.stop();
    if (now || ctx_.config.supervisor.shutdown_grace.count() == 0) return interrupt_all();
    grace_.expires_after(ctx_.config.supervisor.shutdown_grace);
    grace_.async_wait([this](boost::system::error_code ec) {
      if (!ec) interrupt_all();
    });
  }

  void interrupt_all() {
    interrupted_ = true;
    running_.each([this](const std::string& agent, runner::TurnHandle& turn) {
      ctx_.log->info("interrupting {} turn {}", agent, turn.turn_id());
      turn.interrupt("supervisor shutdown");
    });
  }

  runner::RunnerContext& ctx_;
  asio::io_context io_;
  asio::signal_set signals_, hangup_;
  dgram::socket socket_;
  asio::steady_timer poll_, grace_, retry_;
  std::filesystem::path sock_path_;
  SpawnBackoff backoff_;
  std::string shortage_since_;  // when the current shortage episode began (timestamp)
  ConfigWatch config_watch_;
  runner::EventBatch batch_;  // every running turn's events, one transaction per write_holds()
  runner::HeavyLane lane_;    // scheduling rounds and settles, one per round of the loop
  HostWatch hosts_;           // this host's lease, takeovers (docs/hosts.md)
  StoreWake store_wake_;      // other hosts' commits (PostgreSQL)
  Conditions conditions_;
  bool state_unwritten_ = false;  // the last write of supervisor.state failed
  std::array<char, 64> buf_{};
  RunningTurns running_;
  RecoveryRetries recovery_retries_;  // agents whose recovery failed (a full disk)
  bool shutting_down_ = false;
  bool schedule_queued_ = false;  // a round of scheduling is in the lane (request_schedule)
  std::size_t poll_ticks_ = 0;    // poll ticks so far (search_dead_runners)
  bool interrupted_ = false;      // every running turn was asked to stop
  DatabaseWatch db_watch_{ctx_.paths.db()};  // drover.db as the supervisor opened it
};

}  // namespace

Status run_loop(runner::RunnerContext& ctx) {
  Supervisor sup(ctx, ctx.paths.supervisor_sock());
  return sup.run();
}

}  // namespace drover::supervisor
