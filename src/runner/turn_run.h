#pragma once
// The streaming phase of a turn on the Asio loop (SPEC §5.2–§5.3), runner-internal: it
// writes the user turn, reads stdout and stderr, waits for the exit on the pidfd, and feeds
// what it sees to the turn's lifecycle (runner/turn_lifecycle.h), carrying out what that
// answers: signals through the spawner, one timer, and the settle (settle_turn.cpp).
// Its parts: turn_run.cpp (pipes, exit, watchdog timer, settle), turn_stream.cpp (stdout
// lines → events, through the loop's EventBatch), turn_input.cpp (the agent's stdin: the
// first message and live input).
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <deque>
#include <memory>
#include <nlohmann/json_fwd.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/live_input.h"
#include "core/stream_json.h"
#include "runner/async_command.h"
#include "runner/event_batch.h"
#include "runner/prepared_turn.h"
#include "runner/turn_lifecycle.h"

namespace drover::runner {

// An event's data as the events table stores it (invalid UTF-8 replaced).
std::string event_json(const nlohmann::json& j);

class TurnRun final : public TurnHandle, public std::enable_shared_from_this<TurnRun> {
 public:
  TurnRun(boost::asio::io_context& io, RunnerContext& ctx, PreparedTurn t,
          std::function<void(const TurnReport&)> done);

  void start();
  void interrupt(const std::string& why) override;
  int deliver_live_mail() override;  // turn_input.cpp
  std::int64_t turn_id() const override { return t_.turn_id; }
  const std::string& agent() const override { return t_.agent; }
  void write_held_output() override { write_transcript(false); }

 private:
  // One write on the agent's stdin: a message and the live mail it carries, or a control
  // request (not a message: no result answers it).
  struct Input {
    std::string bytes;
    std::vector<std::int64_t> mail;
    bool message = true;
  };

  // turn_input.cpp
  void enqueue(Input in);
  void pump();
  void close_input();
  void input_failed();
  void after_results();
  void input_idle();

  // turn_run.cpp
  SteadyPoint now() const { return ctx_.clock->now(); }
  void read(boost::asio::posix::stream_descriptor& pipe, Pipe which);
  void on_read(boost::asio::posix::stream_descriptor& pipe, Pipe which,
               boost::system::error_code ec, std::size_t n);
  void wait_exit();
  void apply(const LifecycleAction& a);
  void arm(SteadyPoint at);
  void on_stderr(std::string_view bytes);
  std::string last_stderr_line() const;
  void settle();  // finish() now, or from the supervisor's lane (RunnerContext::lane)
  void finish();
  // After the settle: the branch push (runner/worktree_remote.h), then the end of the turn.
  void push_then_end(const TurnReport& report);
  void publish_push();                 // turn.pid names the push under way
  void end(const TurnReport& report);  // turn.pid removed, lock released, done() called

  // turn_stream.cpp
  EventBatch& events() { return ctx_.batch ? *ctx_.batch : *own_batch_; }
  void on_stdout(std::string_view bytes);
  void process_lines();
  void write_transcript(bool all);  // what is held, if `all` or held long enough
  void keep_transcript(const LineSplitter::Line& line, std::vector<BatchedEvent>& batch);
  void handle_line(const LineSplitter::Line& line, std::vector<BatchedEvent>& batch,
                   std::optional<std::string>& new_session);
  void handle_event(const StreamEvent& e, const LineSplitter::Line& line,
                    std::vector<BatchedEvent>& batch);
  void flush(std::vector<BatchedEvent>& batch, const std::optional<std::string>& new_session);

  RunnerContext& ctx_;
  PreparedTurn t_;
  std::function<void(const TurnReport&)> done_;
  boost::asio::posix::stream_descriptor in_, out_, err_, pidfd_;
  boost::asio::steady_timer timer_;
  // A pipe's read buffer, left uninitialised: only the pages a read fills are touched.
  struct ReadBuffer {
    std::unique_ptr<char[]> bytes;
    std::size_t size = 0;
    void resize(std::size_t n) {
      bytes.reset(new char[n]);
      size = n;
    }
  };
  ReadBuffer out_buf_, err_buf_;           // turn_run.cpp
  std::unique_ptr<EventBatch> own_batch_;  // without the loop's (ctx.batch): writes at once
  LineSplitter splitter_;
  TurnLifecycle life_;
  Streamed streamed_;
  std::optional<SteadyPoint> last_event_, last_activity_write_;
  std::string stderr_tail_;
  std::string transcript_pending_;  // lines not written yet (RunnerContext::transcript_hold)
  std::optional<SteadyPoint> transcript_held_since_;
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
  bool interrupt_outstanding_ = false;        // an interrupt went in; no result came since
  std::shared_ptr<AsyncCommandHandle> push_;  // the branch push under way, after the settle
};

}  // namespace drover::runner
