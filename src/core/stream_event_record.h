#pragma once
// How a mapped stream-json event is recorded: the event kind and JSON data stored in the
// events table, and the one-line summary a foreground runner prints. Pure.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/stream_json.h"

namespace drover {

// The events-table kind: session_start, assistant_text, tool_start, tool_end, result or
// malformed_line.
std::string_view stream_event_kind(StreamEventKind kind);

// The events-table data. Texts are cut to 4,000 bytes (tool results are already short);
// tool input is the parser's compact one-line view; optional result figures appear only
// when the agent reported them.
nlohmann::json stream_event_data(const StreamEvent& e);

// The same data as the compact text the events table stores: stream_event_data(e) dumped
// with invalid UTF-8 replaced, byte for byte. The kinds that stream by the thousand
// (assistant_text, tool_start, tool_end) are written directly, without building the tree.
std::string stream_event_data_text(const StreamEvent& e);

// One line for the terminal, e.g. "tool Bash: ls -la" or "result ok: done".
std::string stream_event_summary(const StreamEvent& e);

}  // namespace drover
