// The streaming phase of a turn (runner/turn_run.h): the child's pipes and exit, the
// watchdog timer, and the settle.
#include "runner/turn_run.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/text.h"
#include "os/fd_io.h"
#include "os/git.h"
#include "os/process.h"
#include "runner/async_command.h"
#include "runner/heavy_lane.h"
#include "runner/worktree_remote.h"

namespace drover::runner {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kStderrCap = 16u << 20;  // bytes of stderr kept per turn
constexpr Millis kEofWait{1000};               // after the group is gone
constexpr Millis kGroupPoll{5};
// A pipe's read buffer starts this small and grows to kReadBufferMax once a read fills it:
// each running turn holds its own while it waits (issue 18), most of them for short lines.
constexpr std::size_t kReadBufferMin = 4096;
constexpr std::size_t kReadBufferMax = 65536;

}  // namespace

TurnRun::TurnRun(asio::io_context& io, RunnerContext& ctx, PreparedTurn t,
                 std::function<void(const TurnReport&)> done)
    : ctx_(ctx),
      t_(std::move(t)),
      done_(std::move(done)),
      in_(io, t_.child.stdin_fd),
      out_(io, t_.child.stdout_fd),
      err_(io, t_.child.stderr_fd),
      pidfd_(io, t_.child.pidfd),
      timer_(io),
      splitter_(static_cast<std::size_t>(ctx.config.turn.max_line_bytes)),
      life_(t_.budgets, t_.stop_policy, t_.spawned_at, kEofWait, kGroupPoll),
      live_(t_.live_input) {
  // The descriptors own the fds now.
  t_.child.stdin_fd = t_.child.stdout_fd = t_.child.stderr_fd = t_.child.pidfd = -1;
  if (!ctx_.batch) own_batch_ = std::make_unique<EventBatch>(io, *ctx_.store, ctx_.log, Millis(0));
  boost::system::error_code ec;
  out_.non_blocking(true, ec);
  err_.non_blocking(true, ec);
}

void TurnRun::start() {
  // Without live input, EOF after the first message tells the agent its input is complete.
  if (!live_.live()) close_when_written_ = true;
  enqueue({t_.user_line, {}});
  read(out_, Pipe::stdout_);
  read(err_, Pipe::stderr_);
  wait_exit();
  apply(life_.start());
}

void TurnRun::interrupt(const std::string& why) {
  if (life_.phase() == TurnPhase::settled) {
    // Settled, its branch push under way: the push is killed and recorded as failed, so
    // that `down --now` does not wait for a remote that is slow to answer.
    if (push_) push_->cancel("the supervisor stopped the agent's turn");
    return;
  }
  streamed_.how.interrupted = true;
  apply(life_.stop(now(), why));
}

// Reads the pipe as bytes come (issue 18). A read with Asio's reactor costs no epoll_ctl:
// its descriptor stays registered, edge-triggered, and a read that found the pipe empty
// waits on it. A wait of our own (async_wait) re-armed the descriptor with one epoll_ctl
// per line. Each completion is one read: a flooding agent cannot hold the loop, since the
// next read of a pipe that still has bytes is queued behind the other ready work.
void TurnRun::read(asio::posix::stream_descriptor& pipe, Pipe which) {
  ReadBuffer& buf = which == Pipe::stdout_ ? out_buf_ : err_buf_;
  if (!buf.bytes) buf.resize(kReadBufferMin);
  auto self = shared_from_this();
  pipe.async_read_some(asio::buffer(buf.bytes.get(), buf.size),
                       [self, &pipe, which](boost::system::error_code ec, std::size_t n) {
                         self->on_read(pipe, which, ec, n);
                       });
}

void TurnRun::on_read(asio::posix::stream_descriptor& pipe, Pipe which,
                      boost::system::error_code ec, std::size_t n) {
  if (life_.phase() == TurnPhase::settled) return;
  ReadBuffer& buf = which == Pipe::stdout_ ? out_buf_ : err_buf_;
  if (n > 0) {
    std::string_view bytes(buf.bytes.get(), n);
    which == Pipe::stdout_ ? on_stdout(bytes) : on_stderr(bytes);
    if (n == buf.size && buf.size < kReadBufferMax) buf.resize(kReadBufferMax);
  }
  if (life_.phase() == TurnPhase::settled) return;
  // End of file, or the pipe failed or was closed: either way nothing more comes from it.
  if (ec) return apply(life_.on_pipe_closed(which, now()));
  if (pipe.is_open()) read(pipe, which);
}

void TurnRun::wait_exit() {
  auto self = shared_from_this();
  pidfd_.async_wait(asio::posix::descriptor_base::wait_read, [self](boost::system::error_code ec) {
    if (ec) return;
    auto status = self->ctx_.spawner->reap(self->pidfd_.native_handle());
    if (!status) return self->wait_exit();
    self->streamed_.how.exit_code = status->exit_code;
    self->streamed_.how.signal = status->signal;
    bool leftovers = self->ctx_.spawner->group_alive(self->t_.identity.pgid);
    self->apply(self->life_.on_exit(self->now(), leftovers));
  });
}

// Carries out what the lifecycle answered.
void TurnRun::apply(const LifecycleAction& a) {
  if (a.stalled) {
    streamed_.how.stalled = true;
    streamed_.how.stall_reason = *a.stalled;
    // How late the timer fired is logged so scripts/bench can measure watchdog precision.
    ctx_.log->error("{}: stalled: {} (turn {}, {:.3f} ms after the deadline)", t_.agent, *a.stalled,
                    t_.turn_id, a.stalled_late.count());
  }
  if (a.stopping)
    ctx_.log->warn("{}: stopping turn {} ({}): {}", t_.agent, t_.turn_id, *a.stopping,
                   describe(t_.stop_policy));
  for (int sig : a.signals) ctx_.spawner->signal_group(t_.identity.pgid, sig);
  if (a.gave_up)
    ctx_.log->error("{}: process group {} still alive after the stop policy", t_.agent,
                    t_.identity.pgid);
  if (a.settle) return settle();
  if (a.wake_at) arm(*a.wake_at);
}

// The lifecycle's phase is `settled` from here on, so nothing of the turn reacts any more
// (pipes, timer, live input) while its settle waits in the supervisor's lane.
void TurnRun::settle() {
  if (!ctx_.lane) return finish();
  auto self = shared_from_this();
  ctx_.lane->push([self] { self->finish(); });
}

void TurnRun::arm(SteadyPoint at) {
  auto self = shared_from_this();
  timer_.expires_after(at - now());  // cancels the previous wait
  timer_.async_wait([self](boost::system::error_code ec) {
    if (ec || self->life_.phase() == TurnPhase::settled) return;
    auto& sp = *self->ctx_.spawner;
    pid_t pgid = self->t_.identity.pgid;
    self->apply(self->life_.on_timer(self->now(), [&sp, pgid] { return sp.group_alive(pgid); }));
  });
}

void TurnRun::on_stderr(std::string_view bytes) {
  auto keep = bytes.substr(0, kStderrCap - std::min(stderr_bytes_, kStderrCap));
  if (!keep.empty()) {
    (void)os::write_all(t_.stderr_log.get(), keep);
    stderr_bytes_ += keep.size();
  }
  if (keep.size() < bytes.size() && !stderr_capped_) {
    // Dropping stderr must leave a trace, as dropping stdout does.
    stderr_capped_ = true;
    std::vector<BatchedEvent> batch{{"transcript_capped", "warn",
                                     event_json({{"stream", "stderr"}, {"bytes", stderr_bytes_}})}};
    flush(batch, std::nullopt);
  }
  stderr_tail_.append(bytes);
  if (stderr_tail_.size() > 8192) stderr_tail_.erase(0, stderr_tail_.size() - 4096);
}

std::string TurnRun::last_stderr_line() const {
  auto nl = stderr_tail_.find_last_not_of("\r\n");
  if (nl == std::string::npos) return "";
  auto start = stderr_tail_.rfind('\n', nl);
  return one_line_summary(stderr_tail_.substr(start == std::string::npos ? 0 : start + 1, nl + 1),
                          200);
}

void TurnRun::finish() {
  boost::system::error_code ec;
  timer_.cancel();
  for (auto* d : {&out_, &err_, &in_, &pidfd_}) d->close(ec);
  splitter_.finish();
  process_lines();
  write_transcript(true);
  // Every event of the turn lands before its settle, in the settle's transaction.
  EventBatch::Pending pending = events().take();
  streamed_.how.last_stderr_line = last_stderr_line();
  streamed_.unanswered_live_mail = live_.to_release();
  for (const auto& w : writes_) {  // queued, never written
    streamed_.unanswered_live_mail.insert(streamed_.unanswered_live_mail.end(), w.mail.begin(),
                                          w.mail.end());
  }
  auto& how = streamed_.how;
  how.lost_session = t_.resume_id && how.has_result && how.result_is_error && !saw_init_;
  how.resumed = t_.resume_id.has_value();
  end_turn_processes(ctx_, t_);
  TurnReport report = settle_turn(
      ctx_, t_, streamed_, [&pending](store::Tx& tx) { EventBatch::write_into(tx, pending); });
  if (!report.settled) {  // rolled back: the events are written on their own, as before
    events().put_back(std::move(pending));
    (void)events().flush();
  }
  t_.transcript = OwnedFd();
  t_.stderr_log = OwnedFd();
  if (!report.settled || !branch_push_due(ctx_, t_.session)) return end(report);
  // Planning the push (local git) is a step of its own in the lane: a due timer waits behind
  // one of them, not both. The lock is held until the push is done, so the next turn starts
  // from a recorded push.
  if (!ctx_.lane) return push_then_end(report);
  auto self = shared_from_this();
  ctx_.lane->push([self, report] { self->push_then_end(report); });
}

// The push runs beside the loop (runner/async_command.h): a remote that is slow or gone
// holds up this turn's end (and its lock), not the loop's timers, streams and renewals.
void TurnRun::push_then_end(const TurnReport& report) {
  auto push = plan_branch_push(ctx_, t_.agent, *t_.session.branch, t_.turn_id);
  if (!push) return end(report);
  auto self = shared_from_this();
  auto args = push->git_args();
  push_ = run_command_async(
      timer_.get_executor(), os::git_request(args, ctx_.paths.root), kRemoteDeadline,
      [self, report, push = std::move(*push), args](Result<os::CommandOutput> r) {
        self->push_.reset();
        record_branch_push(self->ctx_, push,
                           os::git_result(args, self->ctx_.paths.root, std::move(r)));
        self->end(report);
      });
  publish_push();
}

// The push is the turn's last process: turn.pid names it until the turn ends, so that a
// supervisor killed meanwhile leaves it to recovery (and `doctor --fix`, `stop`) to kill,
// as it would the agent itself, instead of leaving a `git push` running.
void TurnRun::publish_push() {
  pid_t pid = push_ ? push_->pid() : 0;
  if (pid <= 0) return;
  auto id = os::read_identity(pid);
  Status published = id ? t_.lease.publish(*id) : Status(id.error());
  if (!published)
    ctx_.log->warn("{}: turn {}: turn.pid does not name its branch push (pid {}): {}", t_.agent,
                   t_.turn_id, pid, published.error().message);
}

void TurnRun::end(const TurnReport& report) {
  cleanup_turn_files(ctx_, t_);
  if (ctx_.on_progress) {
    nlohmann::json data = {{"outcome", to_string(report.outcome)}, {"reason", report.reason}};
    bool good = report.outcome == TurnOutcome::completed || report.outcome == TurnOutcome::waiting;
    ctx_.on_progress({t_.agent, t_.turn_id, "turn_end", good ? "info" : "error", data.dump(),
                      "turn " + std::to_string(t_.turn_id) +
                          " ended: " + std::string(to_string(report.outcome)) +
                          (report.state ? " -> " + std::string(to_string(*report.state)) : "")});
  }
  auto done = std::move(done_);
  if (done) done(report);
}

std::shared_ptr<TurnHandle> run_streaming(asio::io_context& io, RunnerContext& ctx,
                                          PreparedTurn turn,
                                          std::function<void(const TurnReport&)> done) {
  auto run = std::make_shared<TurnRun>(io, ctx, std::move(turn), std::move(done));
  run->start();
  return run;
}

}  // namespace drover::runner
