// The streaming phase of a turn on the Asio loop: stdin, stdout/stderr, pidfd exit,
// watchdog and the stop policy (SPEC §5.2–§5.3). Settling is in settle_turn.cpp.
#include <spdlog/spdlog.h>

#include <algorithm>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/stream_event_record.h"
#include "core/text.h"
#include "os/fd_io.h"
#include "runner/prepared_turn.h"
#include "store/events.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::runner {

namespace asio = boost::asio;
using Clock = std::chrono::steady_clock;

namespace {

constexpr std::size_t kTranscriptCap = 256u << 20;  // bytes of stdout kept per turn
constexpr std::size_t kStderrCap = 16u << 20;       // bytes of stderr kept per turn
constexpr int kMalformedEventCap = 100;             // malformed_line events per turn
constexpr auto kActivityEvery = std::chrono::seconds(2);
constexpr auto kEofWait = std::chrono::seconds(1);  // after the group is gone
constexpr auto kGroupPoll = std::chrono::milliseconds(5);

struct PendingEvent {
  std::string kind, level, data;
};

class TurnRun final : public TurnHandle, public std::enable_shared_from_this<TurnRun> {
 public:
  TurnRun(asio::io_context& io, RunnerContext& ctx, PreparedTurn t, std::function<void(const TurnReport&)> done)
      : ctx_(ctx), t_(std::move(t)), done_(std::move(done)), in_(io, t_.child.stdin_fd),
        out_(io, t_.child.stdout_fd), err_(io, t_.child.stderr_fd), pidfd_(io, t_.child.pidfd),
        watchdog_(io), stop_timer_(io), eof_timer_(io), splitter_(static_cast<std::size_t>(ctx.config.turn.max_line_bytes)) {
    // The descriptors own the fds now.
    t_.child.stdin_fd = t_.child.stdout_fd = t_.child.stderr_fd = t_.child.pidfd = -1;
  }

  void start() {
    auto self = shared_from_this();
    asio::async_write(in_, asio::buffer(t_.user_line), [self](boost::system::error_code, std::size_t) {
      boost::system::error_code ec;
      self->in_.close(ec);  // EOF tells the agent its input is complete
    });
    read_out();
    read_err();
    wait_exit();
    arm_watchdog();
  }

  void interrupt() override {
    if (finished_) return;
    obs_.interrupted = true;
    begin_stop("supervisor shutdown");
  }
  std::int64_t turn_id() const override { return t_.turn_id; }
  const std::string& agent() const override { return t_.agent; }

 private:
  void read_out() {
    auto self = shared_from_this();
    out_.async_read_some(asio::buffer(out_buf_), [self](boost::system::error_code ec, std::size_t n) {
      if (n > 0) self->on_stdout(std::string_view(self->out_buf_.data(), n));
      if (ec) {
        self->out_eof_ = true;
        self->maybe_finish();
        return;
      }
      self->read_out();
    });
  }

  void read_err() {
    auto self = shared_from_this();
    err_.async_read_some(asio::buffer(err_buf_), [self](boost::system::error_code ec, std::size_t n) {
      if (n > 0) self->on_stderr(std::string_view(self->err_buf_.data(), n));
      if (ec) {
        self->err_eof_ = true;
        self->maybe_finish();
        return;
      }
      self->read_err();
    });
  }

  void wait_exit() {
    auto self = shared_from_this();
    pidfd_.async_wait(asio::posix::descriptor_base::wait_read, [self](boost::system::error_code ec) {
      if (ec) return;
      auto status = os::reap_pidfd(self->pidfd_.native_handle());
      if (!status) return self->wait_exit();
      self->on_exit(*status);
    });
  }

  void on_stdout(std::string_view bytes) {
    splitter_.feed(bytes);
    process_lines();
  }

  void process_lines() {
    std::vector<PendingEvent> batch;
    std::optional<std::string> new_session;
    while (auto line = splitter_.next()) handle_line(*line, batch, new_session);
    flush(batch, new_session);
  }

  void handle_line(const LineSplitter::Line& line, std::vector<PendingEvent>& batch,
                   std::optional<std::string>& new_session) {
    if (transcript_bytes_ < kTranscriptCap) {
      std::string rec = line.text + "\n";
      transcript_bytes_ += rec.size();
      (void)os::write_all(t_.transcript_fd, rec);
      if (transcript_bytes_ >= kTranscriptCap)
        batch.push_back({"transcript_capped", "warn",
                         nlohmann::json({{"stream", "stdout"}, {"bytes", transcript_bytes_}}).dump()});
    }
    if (line.truncated) {
      batch.push_back({"line_truncated", "warn",
                       nlohmann::json({{"original_bytes", line.original_bytes}, {"kept_bytes", line.text.size()}}).dump()});
      return;
    }
    ParsedLine parsed = parse_stream_line(line.text);
    if (!parsed.session_id.empty() && !observed_session_) {
      observed_session_ = parsed.session_id;
      new_session = parsed.session_id;
      if (t_.resume_id && *t_.resume_id != parsed.session_id)
        batch.push_back({"resume_mismatch", "warn",
                         nlohmann::json({{"requested_session_id", *t_.resume_id},
                                         {"observed_session_id", parsed.session_id}}).dump()});
    }
    for (const auto& e : parsed.events) {
      if (e.kind == StreamEventKind::malformed) {
        if (++malformed_ <= kMalformedEventCap) {
          nlohmann::json d = stream_event_data(e);
          d["preview"] = one_line_summary(line.text, 120);
          batch.push_back({"malformed_line", "warn", d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
        }
        continue;  // malformed lines do not reset the stall timer
      }
      bool first_event = !last_event_;
      last_event_ = Clock::now();
      // The deadline only moves later with each event, except at the first one: it switches
      // from first_output_timeout to stall_timeout, which may be shorter. Re-arm then.
      if (first_event && !stopping_ && !exited_) arm_watchdog();
      if (e.kind == StreamEventKind::session_start) saw_init_ = true;
      if (e.kind == StreamEventKind::result) {
        obs_.has_result = true;
        obs_.result_is_error = e.is_error;
        obs_.result_text = e.text;
        cost_ = e.total_cost_usd;
        input_tokens_ = e.input_tokens;
        output_tokens_ = e.output_tokens;
      }
      batch.push_back({std::string(stream_event_kind(e.kind)), e.kind == StreamEventKind::result && e.is_error ? "warn" : "info",
                       stream_event_data(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)});
      if (ctx_.on_progress) ctx_.on_progress(t_.agent, stream_event_summary(e));
    }
  }

  void flush(std::vector<PendingEvent>& batch, const std::optional<std::string>& new_session) {
    bool refresh = last_event_ && (!last_activity_write_ || Clock::now() - *last_activity_write_ >= kActivityEvery);
    if (batch.empty() && !new_session && !refresh) return;
    auto r = ctx_.store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
      for (const auto& e : batch) tx.events().add(t_.agent, t_.turn_id, e.kind, e.level, e.data);
      if (new_session) tx.sessions().set_runtime_session_id(t_.agent, *new_session);
      if (refresh) tx.sessions().set_activity(t_.agent, now_timestamp());
      return Unit{};
    });
    if (!r) ctx_.log->error("{}: cannot record events of turn {}: {}", t_.agent, t_.turn_id, r.error().message);
    else if (refresh) last_activity_write_ = Clock::now();
  }

  void on_stderr(std::string_view bytes) {
    auto keep = bytes.substr(0, kStderrCap - std::min(stderr_bytes_, kStderrCap));
    if (!keep.empty()) {
      (void)os::write_all(t_.stderr_log_fd, keep);
      stderr_bytes_ += keep.size();
    }
    if (keep.size() < bytes.size() && !stderr_capped_) {
      // Dropping stderr must leave a trace, as dropping stdout does.
      stderr_capped_ = true;
      std::vector<PendingEvent> batch{
          {"transcript_capped", "warn", nlohmann::json({{"stream", "stderr"}, {"bytes", stderr_bytes_}}).dump()}};
      flush(batch, std::nullopt);
    }
    stderr_tail_.append(bytes);
    if (stderr_tail_.size() > 8192) stderr_tail_.erase(0, stderr_tail_.size() - 4096);
  }

  void on_exit(const os::ExitStatus& status) {
    exited_ = true;
    obs_.exit_code = status.exit_code;
    obs_.signal = status.signal;
    watchdog_.cancel();
    // Nothing of the turn's process group may outlive it (SPEC §7).
    if (os::group_alive(t_.identity.pgid)) begin_stop("leftover processes after the agent exited");
    else await_eof();
  }

  void begin_stop(const std::string& why) {
    if (stopping_ || finished_) return;
    stopping_ = true;
    step_ = 0;
    ctx_.log->warn("{}: stopping turn {} ({}): {}", t_.agent, t_.turn_id, why, describe(t_.stop_policy));
    run_step();
  }

  void run_step() {
    if (step_ >= t_.stop_policy.size()) {
      ctx_.log->error("{}: process group {} still alive after the stop policy", t_.agent, t_.identity.pgid);
      stopping_ = false;
      await_eof();
      return;
    }
    const StopStep& s = t_.stop_policy[step_];
    (void)os::signal_group(t_.identity.pgid, s.signal);
    step_deadline_ = Clock::now() + s.grace;
    poll_group();
  }

  void poll_group() {
    if (!os::group_alive(t_.identity.pgid)) {
      stopping_ = false;
      await_eof();
      return;
    }
    if (Clock::now() >= step_deadline_) {
      ++step_;
      run_step();
      return;
    }
    auto self = shared_from_this();
    stop_timer_.expires_after(kGroupPoll);
    stop_timer_.async_wait([self](boost::system::error_code ec) {
      if (!ec && !self->finished_) self->poll_group();
    });
  }

  // The group is gone (or was never more than the child): give the pipes a bounded
  // moment to reach EOF — a process that escaped the group must not hold the turn open.
  void await_eof() {
    if (awaiting_eof_) return maybe_finish();
    awaiting_eof_ = true;
    auto self = shared_from_this();
    eof_timer_.expires_after(kEofWait);
    eof_timer_.async_wait([self](boost::system::error_code ec) {
      if (ec || self->finished_) return;
      self->eof_waited_ = true;
      self->maybe_finish();
    });
    maybe_finish();
  }

  void arm_watchdog() {
    Deadline d = next_deadline(t_.budgets, t_.spawned_at, last_event_);
    auto self = shared_from_this();
    watchdog_.expires_at(d.at);
    watchdog_.async_wait([self](boost::system::error_code ec) {
      if (ec || self->exited_ || self->stopping_ || self->finished_) return;
      Deadline now_d = next_deadline(self->t_.budgets, self->t_.spawned_at, self->last_event_);
      if (Clock::now() < now_d.at) return self->arm_watchdog();
      self->obs_.stalled = true;
      self->obs_.stall_reason = now_d.reason;
      // How late the timer fired is logged so scripts/bench can measure watchdog precision.
      auto late = std::chrono::duration<double, std::milli>(Clock::now() - now_d.at).count();
      self->ctx_.log->error("{}: stalled: {} (turn {}, {:.3f} ms after the deadline)", self->t_.agent,
                            now_d.reason, self->t_.turn_id, late);
      self->begin_stop("stalled");
    });
  }

  void maybe_finish() {
    if (finished_ || !exited_ || stopping_ || !awaiting_eof_) return;
    if (!(out_eof_ && err_eof_) && !eof_waited_) return;
    finish();
  }

  void finish() {
    finished_ = true;
    boost::system::error_code ec;
    watchdog_.cancel();
    stop_timer_.cancel();
    eof_timer_.cancel();
    out_.close(ec);
    err_.close(ec);
    in_.close(ec);
    pidfd_.close(ec);
    splitter_.finish();
    process_lines();
    auto nl = stderr_tail_.find_last_not_of("\r\n");
    if (nl != std::string::npos) {
      auto start = stderr_tail_.rfind('\n', nl);
      obs_.last_stderr_line = one_line_summary(stderr_tail_.substr(start == std::string::npos ? 0 : start + 1, nl + 1), 200);
    }
    obs_.lost_session = t_.resume_id && obs_.has_result && obs_.result_is_error && !saw_init_;
    auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - t_.spawned_at).count();
    // The worktree is observed before the settle transaction: git never runs inside it.
    std::optional<WorktreeSnapshot> worktree;
    if (t_.session.worktree) {
      worktree = snapshot_worktree(*t_.session.worktree);
      if (!worktree->error.empty())
        ctx_.log->warn("{}: cannot observe the worktree after turn {}: {}", t_.agent, t_.turn_id, worktree->error);
    }
    TurnReport report =
        settle_turn(ctx_, t_, obs_, ms, cost_, input_tokens_, output_tokens_, observed_session_, worktree);
    os::close_fd(t_.transcript_fd);
    os::close_fd(t_.stderr_log_fd);
    cleanup_turn_files(ctx_, t_);
    if (ctx_.on_progress)
      ctx_.on_progress(t_.agent, "turn " + std::to_string(t_.turn_id) + " ended: " +
                                     std::string(to_string(report.outcome)) +
                                     (report.state ? " -> " + std::string(to_string(*report.state)) : ""));
    auto done = std::move(done_);
    if (done) done(report);
  }

  RunnerContext& ctx_;
  PreparedTurn t_;
  std::function<void(const TurnReport&)> done_;
  asio::posix::stream_descriptor in_, out_, err_, pidfd_;
  asio::steady_timer watchdog_, stop_timer_, eof_timer_;
  LineSplitter splitter_;
  std::array<char, 65536> out_buf_{};
  std::array<char, 16384> err_buf_{};
  TurnObservation obs_;
  std::optional<Clock::time_point> last_event_, last_activity_write_;
  std::optional<std::string> observed_session_;
  std::optional<double> cost_;
  std::optional<std::int64_t> input_tokens_, output_tokens_;
  std::string stderr_tail_;
  std::size_t transcript_bytes_ = 0, stderr_bytes_ = 0, step_ = 0;
  int malformed_ = 0;
  Clock::time_point step_deadline_{};
  bool saw_init_ = false, stderr_capped_ = false, exited_ = false, out_eof_ = false, err_eof_ = false, stopping_ = false,
       awaiting_eof_ = false, eof_waited_ = false, finished_ = false;
};

}  // namespace

std::shared_ptr<TurnHandle> run_streaming(asio::io_context& io, RunnerContext& ctx, PreparedTurn turn,
                                          std::function<void(const TurnReport&)> done) {
  auto run = std::make_shared<TurnRun>(io, ctx, std::move(turn), std::move(done));
  run->start();
  return run;
}

}  // namespace drover::runner
