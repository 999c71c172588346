#include "core/stream_event_record.h"

#include "core/json_text.h"
#include "core/json_writer.h"
#include "core/text.h"

namespace drover {

std::string stream_event_summary(const StreamEvent& e) {
  switch (e.kind) {
    case StreamEventKind::session_start:
      return "session " + e.session_id + (e.model.empty() ? "" : " (" + e.model + ")");
    case StreamEventKind::assistant_text: return "text: " + one_line_summary(e.text, 100);
    case StreamEventKind::tool_start:
      return "tool " + e.tool_name + ": " + one_line_summary(e.tool_input, 80);
    case StreamEventKind::tool_end:
      return std::string("tool done") + (e.is_error ? " (error)" : "");
    case StreamEventKind::result:
      return std::string("result ") + (e.is_error ? "ERROR: " : "ok: ") +
             one_line_summary(e.text, 80);
    case StreamEventKind::malformed: return "malformed line: " + e.error;
  }
  return "";
}

nlohmann::json stream_event_data(const StreamEvent& e) {
  switch (e.kind) {
    case StreamEventKind::session_start: return {{"session_id", e.session_id}, {"model", e.model}};
    case StreamEventKind::assistant_text: return {{"text", e.text.substr(0, 4000)}};
    case StreamEventKind::tool_start:
      return {{"tool", e.tool_name}, {"id", e.tool_id}, {"input", e.tool_input}};
    case StreamEventKind::tool_end:
      return {{"id", e.tool_id}, {"is_error", e.is_error}, {"text", e.text}};
    case StreamEventKind::result: {
      nlohmann::json j = {
          {"is_error", e.is_error}, {"text", e.text.substr(0, 4000)}, {"subtype", e.subtype}};
      if (e.total_cost_usd) j["cost_usd"] = *e.total_cost_usd;
      if (e.input_tokens) j["input_tokens"] = *e.input_tokens;
      if (e.output_tokens) j["output_tokens"] = *e.output_tokens;
      if (e.duration_ms) j["duration_ms"] = *e.duration_ms;
      if (e.num_turns) j["num_turns"] = *e.num_turns;
      return j;
    }
    case StreamEventKind::malformed: return {{"error", e.error}};
  }
  return nlohmann::json::object();
}

std::string stream_event_data_text(const StreamEvent& e) {
  // Members in nlohmann's order (its objects are sorted by name).
  JsonWriter w(0);
  switch (e.kind) {
    case StreamEventKind::assistant_text:
      w.begin_object().member("text", std::string_view(e.text).substr(0, 4000)).end_object();
      return w.take();
    case StreamEventKind::tool_start:
      w.begin_object()
          .member("id", e.tool_id)
          .member("input", e.tool_input)
          .member("tool", e.tool_name)
          .end_object();
      return w.take();
    case StreamEventKind::tool_end:
      w.begin_object()
          .member("id", e.tool_id)
          .member("is_error", e.is_error)
          .member("text", e.text)
          .end_object();
      return w.take();
    default: break;
  }
  return dump_json(stream_event_data(e));
}

std::string_view stream_event_kind(StreamEventKind k) {
  switch (k) {
    case StreamEventKind::session_start: return "session_start";
    case StreamEventKind::assistant_text: return "assistant_text";
    case StreamEventKind::tool_start: return "tool_start";
    case StreamEventKind::tool_end: return "tool_end";
    case StreamEventKind::result: return "result";
    case StreamEventKind::malformed: return "malformed_line";
  }
  return "unknown";
}

}  // namespace drover
