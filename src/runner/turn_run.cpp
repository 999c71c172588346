// The streaming phase of a turn on the Asio loop (SPEC §5.2–§5.3): it writes the user
// turn, reads stdout and stderr, waits for the exit on the pidfd, and feeds what it sees
// to the turn's lifecycle (runner/turn_lifecycle.h), carrying out what that answers:
// signals through the spawner, one timer, and the settle (settle_turn.cpp).
#include <spdlog/spdlog.h>

#include <algorithm>
#include <deque>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/live_input.h"
#include "core/pause.h"
#include "core/prompt.h"
#include "core/session_id.h"
#include "core/stream_event_record.h"
#include "core/text.h"
#include "os/fd_io.h"
#include "runner/prepared_turn.h"
#include "runner/turn_lifecycle.h"
#include "store/events.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/settings.h"
#include "store/store.h"

namespace drover::runner {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kTranscriptCap = 256u << 20;  // bytes of stdout kept per turn
constexpr std::size_t kStderrCap = 16u << 20;       // bytes of stderr kept per turn
constexpr int kMalformedEventCap = 100;             // malformed_line events per turn
constexpr Millis kActivityEvery{2000};
constexpr Millis kEofWait{1000};  // after the group is gone
constexpr Millis kGroupPoll{5};

struct PendingEvent {
  std::string kind, level, data;
};

std::string json_text(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

class TurnRun final : public TurnHandle, public std::enable_shared_from_this<TurnRun> {
 public:
  TurnRun(asio::io_context& io, RunnerContext& ctx, PreparedTurn t,
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
  }

  void start() {
    // Without live input, EOF after the first message tells the agent its input is complete.
    if (!live_.live()) close_when_written_ = true;
    enqueue({t_.user_line, {}});
    read(out_, out_buf_, Pipe::stdout_);
    read(err_, err_buf_, Pipe::stderr_);
    wait_exit();
    apply(life_.start());
  }

  void interrupt() override {
    if (life_.phase() == TurnPhase::settled) return;
    streamed_.how.interrupted = true;
    apply(life_.stop(now(), "supervisor shutdown"));
  }
  int deliver_live_mail() override {
    if (!live_.open() || close_when_written_ || life_.phase() != TurnPhase::running) return 0;
    struct Claim {
      std::vector<MailMessage> mail;
      Session session;
    };
    auto claimed = ctx_.store->write<Claim>([&](store::Tx& tx) -> Result<Claim> {
      Claim c;
      auto s = tx.sessions().get(t_.agent);
      // Mail to a paused agent, or one being stopped, waits (docs/steering.md).
      if (!s || s->stop_requested || s->current_turn != t_.turn_id ||
          pause_blocks_start(*s, tx.settings().get(kEstopKey)))
        return c;
      c.session = *s;
      c.mail = tx.mail().claim_live(t_.agent, t_.turn_id);
      if (c.mail.empty()) return c;
      nlohmann::json ids = nlohmann::json::array();
      bool interrupt = false;
      for (const auto& m : c.mail) {
        ids.push_back(m.id);
        interrupt = interrupt || m.delivery == Delivery::interrupt;
      }
      interrupt = interrupt && t_.live_interrupt;
      tx.events().add(t_.agent, t_.turn_id, "live_input", "info",
                      json_text({{"mail", ids},
                                 {"interrupt", interrupt},
                                 {"message", live_.messages_written() + 1 +
                                                 static_cast<int>(writes_.size())}}));
      return c;
    });
    if (!claimed) {
      ctx_.log->error("{}: cannot claim live mail for turn {}: {}", t_.agent, t_.turn_id,
                      claimed.error().message);
      return 0;
    }
    if (claimed->mail.empty()) return 0;
    std::vector<std::int64_t> ids;
    bool interrupt = false;
    for (const auto& m : claimed->mail) {
      ids.push_back(m.id);
      interrupt = interrupt || m.delivery == Delivery::interrupt;
    }
    if (interrupt && t_.live_interrupt) {
      interrupt_outstanding_ = true;
      enqueue({interrupt_request_line("drover-" + std::to_string(t_.turn_id) + "-" +
                                      std::to_string(++interrupts_)),
               {},
               false});
    }
    std::string workdir = t_.session.worktree.value_or(ctx_.paths.root.string());
    PromptInput in{&claimed->session, &t_.capability, workdir, claimed->mail, false};
    enqueue({user_turn_line(render_turn_text(in)), std::move(ids)});
    ctx_.log->info("{}: {} message(s) written into turn {}{}", t_.agent, claimed->mail.size(),
                   t_.turn_id, interrupt && t_.live_interrupt ? " after an interrupt request" : "");
    return static_cast<int>(claimed->mail.size());
  }

  std::int64_t turn_id() const override { return t_.turn_id; }
  const std::string& agent() const override { return t_.agent; }

 private:
  // One write on the agent's stdin: a message and the live mail it carries, or a control
  // request (not a message: no result answers it).
  struct Input {
    std::string bytes;
    std::vector<std::int64_t> mail;
    bool message = true;
  };

  void enqueue(Input in) {
    writes_.push_back(std::move(in));
    pump();
  }

  // Writes the queue in order, one async_write at a time; closes stdin once it is empty
  // and a close was asked for. A message counts as written when its write starts: the
  // agent may read and answer it before this loop sees the write complete.
  void pump() {
    if (writing_ || !in_.is_open()) return;
    if (writes_.empty()) {
      if (close_when_written_) close_input();
      else if (recheck_) input_idle();
      return;
    }
    writing_ = true;
    const Input& next = writes_.front();
    if (next.message) live_.wrote(next.mail);
    auto self = shared_from_this();
    asio::async_write(in_, asio::buffer(next.bytes),
                      [self](boost::system::error_code ec, std::size_t) {
                        self->writing_ = false;
                        if (ec) return self->input_failed();
                        self->writes_.pop_front();
                        self->pump();
                      });
  }

  void close_input() {
    boost::system::error_code ec;
    in_.close(ec);
    live_.closed();
  }

  // The agent stopped reading (EPIPE) or the turn is over: nothing queued reached it.
  void input_failed() {
    std::vector<std::int64_t> lost;
    for (const auto& w : writes_) lost.insert(lost.end(), w.mail.begin(), w.mail.end());
    writes_.clear();
    live_.lost(lost);
    close_input();
  }

  // After results (core/live_input.h): once nothing is being written, the live mail
  // waiting goes in, else stdin closes. The agent answers what it has already read.
  void after_results() {
    if (!live_.open() || close_when_written_) return;
    if (writing_ || !writes_.empty()) {
      recheck_ = true;  // pump() decides once the queue is written
      return;
    }
    input_idle();
  }

  void input_idle() {
    recheck_ = false;
    if (deliver_live_mail() > 0) return;
    close_when_written_ = true;
    pump();
  }

  SteadyPoint now() const { return ctx_.clock->now(); }

  template <std::size_t N>
  void read(asio::posix::stream_descriptor& pipe, std::array<char, N>& buf, Pipe which) {
    auto self = shared_from_this();
    pipe.async_read_some(
        asio::buffer(buf), [self, &pipe, &buf, which](boost::system::error_code ec, std::size_t n) {
          if (n > 0) {
            std::string_view bytes(buf.data(), n);
            which == Pipe::stdout_ ? self->on_stdout(bytes) : self->on_stderr(bytes);
          }
          if (!ec) return self->read(pipe, buf, which);
          if (self->life_.phase() != TurnPhase::settled)
            self->apply(self->life_.on_pipe_closed(which, self->now()));
        });
  }

  void wait_exit() {
    auto self = shared_from_this();
    pidfd_.async_wait(asio::posix::descriptor_base::wait_read,
                      [self](boost::system::error_code ec) {
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
  void apply(const LifecycleAction& a) {
    if (a.stalled) {
      streamed_.how.stalled = true;
      streamed_.how.stall_reason = *a.stalled;
      // How late the timer fired is logged so scripts/bench can measure watchdog precision.
      ctx_.log->error("{}: stalled: {} (turn {}, {:.3f} ms after the deadline)", t_.agent,
                      *a.stalled, t_.turn_id, a.stalled_late.count());
    }
    if (a.stopping)
      ctx_.log->warn("{}: stopping turn {} ({}): {}", t_.agent, t_.turn_id, *a.stopping,
                     describe(t_.stop_policy));
    for (int sig : a.signals) ctx_.spawner->signal_group(t_.identity.pgid, sig);
    if (a.gave_up)
      ctx_.log->error("{}: process group {} still alive after the stop policy", t_.agent,
                      t_.identity.pgid);
    if (a.settle) return finish();
    if (a.wake_at) arm(*a.wake_at);
  }

  void arm(SteadyPoint at) {
    auto self = shared_from_this();
    timer_.expires_after(at - now());  // cancels the previous wait
    timer_.async_wait([self](boost::system::error_code ec) {
      if (ec || self->life_.phase() == TurnPhase::settled) return;
      auto& sp = *self->ctx_.spawner;
      pid_t pgid = self->t_.identity.pgid;
      self->apply(self->life_.on_timer(self->now(), [&sp, pgid] { return sp.group_alive(pgid); }));
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
    if (results_in_batch_ > 0 && life_.phase() != TurnPhase::settled) {
      for (; results_in_batch_ > 0; --results_in_batch_) live_.answered();
      after_results();
    }
  }

  void keep_transcript(const LineSplitter::Line& line, std::vector<PendingEvent>& batch) {
    if (transcript_bytes_ >= kTranscriptCap) return;
    // The agent's bytes exactly (SPEC §5.2): a last line without '\n' gets none.
    std::string rec = line.terminated ? line.text + "\n" : line.text;
    transcript_bytes_ += rec.size();
    (void)os::write_all(t_.transcript.get(), rec);
    if (transcript_bytes_ >= kTranscriptCap)
      batch.push_back({"transcript_capped", "warn",
                       json_text({{"stream", "stdout"}, {"bytes", transcript_bytes_}})});
  }

  void handle_line(const LineSplitter::Line& line, std::vector<PendingEvent>& batch,
                   std::optional<std::string>& new_session) {
    keep_transcript(line, batch);
    if (line.truncated) {
      batch.push_back(
          {"line_truncated", "warn",
           json_text({{"original_bytes", line.original_bytes}, {"kept_bytes", line.text.size()}})});
      return;
    }
    ParsedLine parsed = parse_stream_line(line.text);
    if (!parsed.session_id.empty() && !streamed_.session_id && !session_refused_ &&
        !is_valid_session_id(parsed.session_id)) {
      // Too long for an argv or not printable: never stored, never passed to --resume.
      session_refused_ = true;
      const std::string& id = parsed.session_id;
      batch.push_back({"malformed_session_id", "warn",
                       json_text({{"bytes", id.size()},
                                  {"preview", escape_control(std::string_view(id).substr(0, 64))},
                                  {"max_bytes", kMaxSessionIdBytes}})});
      ctx_.log->warn("{}: turn {}: refused a malformed session id ({} bytes)", t_.agent, t_.turn_id,
                     id.size());
    }
    if (!parsed.session_id.empty() && !streamed_.session_id && !session_refused_) {
      streamed_.session_id = parsed.session_id;
      new_session = parsed.session_id;
      if (t_.resume_id && *t_.resume_id != parsed.session_id)
        batch.push_back({"resume_mismatch", "warn",
                         json_text({{"requested_session_id", *t_.resume_id},
                                    {"observed_session_id", parsed.session_id}})});
    }
    for (const auto& e : parsed.events) handle_event(e, line, batch);
  }

  void handle_event(const StreamEvent& e, const LineSplitter::Line& line,
                    std::vector<PendingEvent>& batch) {
    if (e.kind == StreamEventKind::malformed) {
      if (++malformed_ <= kMalformedEventCap) {
        nlohmann::json d = stream_event_data(e);
        d["preview"] = one_line_summary(line.text, 120);
        batch.push_back({"malformed_line", "warn", json_text(d)});
      }
      return;  // malformed lines do not reset the stall timer
    }
    last_event_ = now();
    apply(life_.on_event(*last_event_));
    if (e.kind == StreamEventKind::session_start) saw_init_ = true;
    if (e.kind == StreamEventKind::assistant_text && !e.api_error.empty())
      streamed_.how.api_error = e.api_error;
    if (e.kind == StreamEventKind::result) {
      streamed_.how.has_result = true;
      streamed_.how.result_is_error = e.is_error;
      streamed_.how.result_text = e.text;
      // total_cost_usd counts the whole process (each result of a live turn repeats the
      // sum so far); usage counts one answer, so a live turn adds them up.
      if (e.total_cost_usd) streamed_.cost_usd = e.total_cost_usd;
      add_tokens(streamed_.input_tokens, e.input_tokens);
      add_tokens(streamed_.output_tokens, e.output_tokens);
    }
    bool error_result = e.kind == StreamEventKind::result && e.is_error;
    nlohmann::json data = stream_event_data(e);
    if (e.kind == StreamEventKind::result && interrupt_outstanding_) {
      // The answer the interrupt request cut short (not the answer to the new message).
      interrupt_outstanding_ = false;
      if (e.is_error && e.subtype == "error_during_execution") data["interrupted"] = true;
    }
    batch.push_back(
        {std::string(stream_event_kind(e.kind)), error_result ? "warn" : "info", json_text(data)});
    if (ctx_.on_progress)
      ctx_.on_progress({t_.agent, t_.turn_id, batch.back().kind, batch.back().level,
                        batch.back().data, stream_event_summary(e)});
    if (e.kind == StreamEventKind::result) ++results_in_batch_;
  }

  static void add_tokens(std::optional<std::int64_t>& sum, std::optional<std::int64_t> n) {
    if (n) sum = sum.value_or(0) + *n;
  }

  void flush(std::vector<PendingEvent>& batch, const std::optional<std::string>& new_session) {
    bool refresh =
        last_event_ && (!last_activity_write_ || now() - *last_activity_write_ >= kActivityEvery);
    if (batch.empty() && !new_session && !refresh) return;
    auto r = ctx_.store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
      for (const auto& e : batch) tx.events().add(t_.agent, t_.turn_id, e.kind, e.level, e.data);
      if (new_session) tx.sessions().set_runtime_session_id(t_.agent, *new_session);
      if (refresh) tx.sessions().set_activity(t_.agent, now_timestamp());
      return Unit{};
    });
    if (!r)
      ctx_.log->error("{}: cannot record events of turn {}: {}", t_.agent, t_.turn_id,
                      r.error().message);
    else if (refresh) last_activity_write_ = now();
  }

  void on_stderr(std::string_view bytes) {
    auto keep = bytes.substr(0, kStderrCap - std::min(stderr_bytes_, kStderrCap));
    if (!keep.empty()) {
      (void)os::write_all(t_.stderr_log.get(), keep);
      stderr_bytes_ += keep.size();
    }
    if (keep.size() < bytes.size() && !stderr_capped_) {
      // Dropping stderr must leave a trace, as dropping stdout does.
      stderr_capped_ = true;
      std::vector<PendingEvent> batch{
          {"transcript_capped", "warn",
           json_text({{"stream", "stderr"}, {"bytes", stderr_bytes_}})}};
      flush(batch, std::nullopt);
    }
    stderr_tail_.append(bytes);
    if (stderr_tail_.size() > 8192) stderr_tail_.erase(0, stderr_tail_.size() - 4096);
  }

  std::string last_stderr_line() const {
    auto nl = stderr_tail_.find_last_not_of("\r\n");
    if (nl == std::string::npos) return "";
    auto start = stderr_tail_.rfind('\n', nl);
    return one_line_summary(stderr_tail_.substr(start == std::string::npos ? 0 : start + 1, nl + 1),
                            200);
  }

  void finish() {
    boost::system::error_code ec;
    timer_.cancel();
    for (auto* d : {&out_, &err_, &in_, &pidfd_}) d->close(ec);
    splitter_.finish();
    process_lines();
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
    TurnReport report = settle_turn(ctx_, t_, streamed_);
    t_.transcript = OwnedFd();
    t_.stderr_log = OwnedFd();
    cleanup_turn_files(ctx_, t_);
    if (ctx_.on_progress) {
      nlohmann::json data = {{"outcome", to_string(report.outcome)}, {"reason", report.reason}};
      bool good =
          report.outcome == TurnOutcome::completed || report.outcome == TurnOutcome::waiting;
      ctx_.on_progress({t_.agent, t_.turn_id, "turn_end", good ? "info" : "error", data.dump(),
                        "turn " + std::to_string(t_.turn_id) +
                            " ended: " + std::string(to_string(report.outcome)) +
                            (report.state ? " -> " + std::string(to_string(*report.state)) : "")});
    }
    auto done = std::move(done_);
    if (done) done(report);
  }

  RunnerContext& ctx_;
  PreparedTurn t_;
  std::function<void(const TurnReport&)> done_;
  asio::posix::stream_descriptor in_, out_, err_, pidfd_;
  asio::steady_timer timer_;
  LineSplitter splitter_;
  TurnLifecycle life_;
  std::array<char, 65536> out_buf_{};
  std::array<char, 16384> err_buf_{};
  Streamed streamed_;
  std::optional<SteadyPoint> last_event_, last_activity_write_;
  std::string stderr_tail_;
  std::size_t transcript_bytes_ = 0, stderr_bytes_ = 0;
  int malformed_ = 0;
  bool saw_init_ = false, stderr_capped_ = false;
  bool session_refused_ = false;  // the first session id was malformed: none this turn
  LiveInput live_;
  std::deque<Input> writes_;
  bool writing_ = false, close_when_written_ = false;
  bool recheck_ = false;      // results came while writing: after_results once the queue is empty
  int results_in_batch_ = 0;  // results parsed by the current process_lines()
  int interrupts_ = 0;
  bool interrupt_outstanding_ = false;  // an interrupt went in; no result came since
};

}  // namespace

std::shared_ptr<TurnHandle> run_streaming(asio::io_context& io, RunnerContext& ctx,
                                          PreparedTurn turn,
                                          std::function<void(const TurnReport&)> done) {
  auto run = std::make_shared<TurnRun>(io, ctx, std::move(turn), std::move(done));
  run->start();
  return run;
}

}  // namespace drover::runner
