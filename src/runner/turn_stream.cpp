// A turn's stdout (runner/turn_run.h): lines kept in the transcript, parsed into events,
// and handed to the loop's EventBatch (runner/event_batch.h) one read at a time.
#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "core/session_id.h"
#include "core/stream_event_record.h"
#include "core/text.h"
#include "os/fd_io.h"
#include "runner/turn_run.h"

namespace drover::runner {

namespace {

constexpr std::size_t kTranscriptCap = 256u << 20;  // bytes of stdout kept per turn
constexpr int kMalformedEventCap = 100;             // malformed_line events per turn
constexpr std::size_t kKeptBufferBytes = 1u << 20;  // a longer line's buffer is given back
constexpr std::size_t kHeldTranscriptBytes = 4096;  // held lines are written at this size

void add_tokens_to(std::optional<std::int64_t>& sum, std::optional<std::int64_t> n) {
  if (n) sum = sum.value_or(0) + *n;
}

}  // namespace

std::string event_json(const nlohmann::json& j) { return dump_json(j); }

void TurnRun::on_stdout(std::string_view bytes) {
  splitter_.feed(bytes);
  process_lines();
}

void TurnRun::process_lines() {
  std::vector<BatchedEvent> batch;
  std::optional<std::string> new_session;
  while (auto line = splitter_.next()) handle_line(*line, batch, new_session);
  write_transcript(false);  // one write per read at most, however many lines it brought
  flush(batch, new_session);
  if (results_in_batch_ > 0 && life_.phase() != TurnPhase::settled) {
    for (; results_in_batch_ > 0; --results_in_batch_) live_.answered();
    after_results();
  }
}

void TurnRun::write_transcript(bool all) {
  if (transcript_pending_.empty()) return;
  SteadyPoint t = now();
  if (!transcript_held_since_) transcript_held_since_ = t;
  bool hold = !all && ctx_.transcript_hold.count() > 0 &&
              transcript_pending_.size() < kHeldTranscriptBytes &&
              t - *transcript_held_since_ < ctx_.transcript_hold;
  if (hold) return;
  (void)os::write_all(t_.transcript.get(), transcript_pending_);
  transcript_pending_.clear();
  transcript_held_since_.reset();
  if (transcript_pending_.capacity() > kKeptBufferBytes) transcript_pending_.shrink_to_fit();
}

void TurnRun::keep_transcript(const LineSplitter::Line& line, std::vector<BatchedEvent>& batch) {
  if (transcript_bytes_ >= kTranscriptCap) return;
  // The agent's bytes exactly (SPEC §5.2): a last line without '\n' gets none.
  transcript_pending_ += line.text;
  if (line.terminated) transcript_pending_ += '\n';
  transcript_bytes_ += line.text.size() + (line.terminated ? 1 : 0);
  if (transcript_bytes_ >= kTranscriptCap)
    batch.push_back({"transcript_capped", "warn",
                     event_json({{"stream", "stdout"}, {"bytes", transcript_bytes_}})});
}

void TurnRun::handle_line(const LineSplitter::Line& line, std::vector<BatchedEvent>& batch,
                          std::optional<std::string>& new_session) {
  keep_transcript(line, batch);
  if (line.truncated) {
    batch.push_back(
        {"line_truncated", "warn",
         event_json({{"original_bytes", line.original_bytes}, {"kept_bytes", line.text.size()}})});
    return;
  }
  ParsedLine parsed = parse_stream_line(line.text);
  if (!parsed.session_id.empty() && !streamed_.session_id && !session_refused_ &&
      !is_valid_session_id(parsed.session_id)) {
    // Too long for an argv or not printable: never stored, never passed to --resume.
    session_refused_ = true;
    const std::string& id = parsed.session_id;
    batch.push_back({"malformed_session_id", "warn",
                     event_json({{"bytes", id.size()},
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
                       event_json({{"requested_session_id", *t_.resume_id},
                                   {"observed_session_id", parsed.session_id}})});
  }
  for (const auto& e : parsed.events) handle_event(e, line, batch);
}

void TurnRun::handle_event(const StreamEvent& e, const LineSplitter::Line& line,
                           std::vector<BatchedEvent>& batch) {
  if (e.kind == StreamEventKind::malformed) {
    if (++malformed_ <= kMalformedEventCap) {
      nlohmann::json d = stream_event_data(e);
      d["preview"] = one_line_summary(line.text, 120);
      batch.push_back({"malformed_line", "warn", event_json(d)});
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
    add_tokens_to(streamed_.input_tokens, e.input_tokens);
    add_tokens_to(streamed_.output_tokens, e.output_tokens);
  }
  bool error_result = e.kind == StreamEventKind::result && e.is_error;
  bool cut_short = false;
  if (e.kind == StreamEventKind::result && interrupt_outstanding_) {
    // The answer the interrupt request cut short (not the answer to the new message).
    interrupt_outstanding_ = false;
    cut_short = e.is_error && e.subtype == "error_during_execution";
  }
  std::string data;
  if (cut_short) {
    nlohmann::json d = stream_event_data(e);
    d["interrupted"] = true;
    data = event_json(d);
  } else {
    data = stream_event_data_text(e);
  }
  batch.push_back(
      {std::string(stream_event_kind(e.kind)), error_result ? "warn" : "info", std::move(data)});
  if (ctx_.on_progress)
    ctx_.on_progress({t_.agent, t_.turn_id, batch.back().kind, batch.back().level,
                      batch.back().data, stream_event_summary(e)});
  if (e.kind == StreamEventKind::result) ++results_in_batch_;
}

void TurnRun::flush(std::vector<BatchedEvent>& batch,
                    const std::optional<std::string>& new_session) {
  bool refresh = last_event_ &&
                 (!last_activity_write_ || now() - *last_activity_write_ >= ctx_.activity_every);
  if (batch.empty() && !new_session && !refresh) return;
  std::optional<std::string> activity;
  if (refresh) {
    activity = now_timestamp();
    last_activity_write_ = now();
  }
  events().add(t_.agent, t_.turn_id, std::move(batch), new_session, std::move(activity));
  batch.clear();
}

}  // namespace drover::runner
