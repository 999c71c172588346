#include "cli/output.h"

#include <cstdio>

#include "cli/exit_codes.h"
#include "core/mail_listing.h"
#include "core/text.h"
#include "os/fd_io.h"

namespace drover::cli {

namespace {
void write_out(FILE* f, std::string_view text) { os::write_line_or_quit(f, text); }
}  // namespace

nlohmann::json event_json(const store::EventRecord& e, std::optional<std::int64_t> turn_number) {
  auto data = nlohmann::json::parse(e.data, nullptr, false);
  auto opt = [](const std::optional<std::int64_t>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return {{"id", e.id},
          {"agent", e.agent},
          {"turn", opt(e.turn)},
          {"turn_number", opt(turn_number)},
          {"created_at", e.created_at},
          {"kind", e.kind},
          {"level", e.level},
          {"data", data.is_discarded() ? nlohmann::json(e.data) : data}};
}

void Output::data(std::string_view text) const {
  if (!json) write_out(stdout, text);
}

void Output::info(std::string_view text) const {
  if (!json && !quiet) write_out(stdout, text);
}

void Output::warn(std::string_view text) const {
  if (!json) write_out(stderr, text);
}

void Output::alert(std::string_view text) const { write_out(stderr, text); }

void Output::document(const nlohmann::json& doc) const {
  if (json) write_out(stdout, dump_json(doc, 2));
}

void Output::document_text(std::string_view doc) const {
  if (json) write_out(stdout, doc);
}

void Output::stream(std::string& buf, bool last) const {
  if (!last && buf.size() < kStreamChunk) return;
  os::write_or_quit(stdout, buf);
  buf.clear();
  if (last) os::flush_or_quit(stdout);
}

void Output::stream(JsonWriter& w, bool last) const {
  if (!last && w.str().size() < kStreamChunk) return;
  os::write_or_quit(stdout, w.str());
  w.clear_text();
  if (last) {
    os::write_or_quit(stdout, "\n");
    os::flush_or_quit(stdout);
  }
}

void Output::end_listing(JsonWriter& w, std::string& text, std::int64_t rows,
                         std::string_view none) const {
  if (json) {
    w.end_array().end_object();
    stream(w, true);
  } else if (rows == 0) {
    data(none);
  } else {
    stream(text, true);
  }
}

void Output::error(const Error& e) const {
  if (json) {
    nlohmann::json doc = {{"error", {{"code", error_code_name(e.code)}, {"message", e.message}}}};
    write_out(stdout, dump_json(doc, 2));
  } else {
    write_out(stderr, "drover: " + escape_control(e.message));
  }
}

std::string Output::bold(std::string_view s) const {
  return color ? "\033[1m" + std::string(s) + "\033[0m" : std::string(s);
}
std::string Output::dim(std::string_view s) const {
  return color ? "\033[2m" + std::string(s) + "\033[0m" : std::string(s);
}

nlohmann::json message_json(const MailMessage& m) {
  JsonWriter w(0);
  write_mail_json(w, view_of(m));
  return nlohmann::json::parse(w.str());
}

namespace {
template <class T>
nlohmann::json opt(const std::optional<T>& v) {
  if (v) return *v;
  return nullptr;
}
}  // namespace

void write_session(JsonWriter& w, const Session& s) {
  w.begin_object()
      .member("name", s.name)
      .member("capability", s.capability)
      .member("runtime", s.runtime)
      .member("model", s.model)
      .member("state", to_string(s.state))
      .member("state_reason", s.state_reason)
      .member("parent", s.parent)
      .member("depth", s.depth)
      .member("task", s.task)
      .member("task_id", s.task_id)
      .member("worktree", s.worktree)
      .member("branch", s.branch)
      .member("head_sha", s.head_sha)
      .member("dirty_summary", s.dirty_summary)
      .member("runtime_session_id", s.runtime_session_id)
      .member("created_at", s.created_at)
      .member("last_activity", s.last_activity)
      .member("turn_count", s.turn_count)
      .member("failed_turns", s.failed_turns)
      .member("current_turn", s.current_turn)
      .member("stop_requested", s.stop_requested)
      .member("retry_after", s.retry_after)
      .member("merged_sha", s.merged_sha)
      .member("merged_into", s.merged_into)
      .member("merged_at", s.merged_at)
      .member("paused", s.paused_at.has_value())
      .member("paused_at", s.paused_at)
      .member("pause_reason", s.pause_reason)
      .member("max_cost_usd", s.budget.max_cost_usd)
      .member("max_turns", s.budget.max_turns)
      .member("max_tokens", s.budget.max_tokens);
}

nlohmann::json session_json(const Session& s) {
  JsonWriter w(0);
  write_session(w, s);
  w.end_object();
  return nlohmann::json::parse(w.str());
}

nlohmann::json turn_json(const TurnRecord& t) {
  return {{"id", t.id},
          {"agent", t.agent},
          {"started_at", t.started_at},
          {"ended_at", opt(t.ended_at)},
          {"outcome", opt(t.outcome_name)},
          {"exit_code", opt(t.exit_code)},
          {"signal", opt(t.signal)},
          {"duration_ms", opt(t.duration_ms)},
          {"cost_usd", opt(t.cost_usd)},
          {"input_tokens", opt(t.input_tokens)},
          {"output_tokens", opt(t.output_tokens)},
          {"pid", opt(t.pid)},
          {"resume_id", opt(t.resume_id)},
          {"session_id", opt(t.session_id)},
          {"detail", opt(t.detail)}};
}

std::string message_human(const MailMessage& m, bool with_body) {
  std::string out;
  append_mail_header(out, view_of(m));
  if (with_body) {
    if (m.thread_id) out += "\nthread: #" + std::to_string(*m.thread_id);
    if (m.reply_to) out += "  reply to: #" + std::to_string(*m.reply_to);
    if (m.payload) out += "\npayload: " + escape_control(*m.payload);
    out += "\n\n" + escape_control_keep_lines(m.body);
  }
  return out;
}

}  // namespace drover::cli
