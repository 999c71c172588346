#pragma once
// The Claude Code stream-json output mapping (SPEC §5.2). Pure: a line in, events out.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/line_splitter.h"

namespace drover {

enum class StreamEventKind {
  session_start,   // system/init: session_id, model
  assistant_text,  // assistant content block of type text
  tool_start,      // assistant content block of type tool_use: tool_name, tool_id, tool_input
  tool_end,        // user content block of type tool_result: tool_id, text (short), is_error
  result,          // result line
  malformed,       // not JSON, or JSON that is not an object: error says why
};

struct StreamEvent {
  StreamEventKind kind = StreamEventKind::malformed;
  std::string session_id;  // non-empty when the line carried a session_id
  std::string model;       // session_start
  std::string text;        // assistant_text; result's "result"; tool_end content (short)
  std::string tool_name;   // tool_start
  std::string tool_id;     // tool_start / tool_end
  std::string tool_input;  // tool_start: short, filtered one-line view of the input
  bool is_error = false;   // result / tool_end
  std::optional<std::int64_t> duration_ms, num_turns;
  std::optional<double> total_cost_usd;
  std::optional<std::int64_t> input_tokens, output_tokens, cache_read_tokens, cache_creation_tokens;
  std::string subtype;  // result / system subtype
  std::string error;    // malformed: why
  // assistant_text of an API error message (Claude Code's synthetic "Not logged in" line):
  // the line's "error" code, e.g. "authentication_failed"; empty otherwise.
  std::string api_error;
};

struct ParsedLine {
  std::vector<StreamEvent> events;  // may be several (one per content block) or none
  std::string session_id;           // first non-empty session_id on the line, if any
  bool ignored = false;             // valid JSON of a type we do not map (still transcribed)
};

// Blank lines give no events; malformed lines give one `malformed` event; `thinking`
// blocks are skipped; unknown types set `ignored`. Never throws.
//
// The lines that stream by the thousand (assistant and user) are read from a JsonTape
// (core/json_tape.h) without building a tree; the rest, and any line the tape refuses, go
// through nlohmann's tree. Both feed the same mapping.
ParsedLine parse_stream_line(std::string_view line);
// The same through nlohmann's tree alone: what parse_stream_line must agree with (tests).
ParsedLine parse_stream_line_tree(std::string_view line);

}  // namespace drover
