#pragma once
// Text helpers for showing stored, untrusted text to a human.
#include <string>
#include <string_view>

namespace drover {

// Escapes C0/C1 control characters and DEL as \n, \t, \xNN so that text from agents
// cannot drive the operator's terminal. Invalid UTF-8 bytes become \xNN too.
std::string escape_control(std::string_view text);

// Like escape_control but keeps newlines and tabs (for multi-line bodies).
std::string escape_control_keep_lines(std::string_view text);
// escape_control appended to `out` (no string of its own: listings call it per row).
void append_escaped_control(std::string& out, std::string_view text);

// First line of text, escaped and cut to at most max_chars (with "…" when cut).
std::string one_line_summary(std::string_view text, std::size_t max_chars);

}  // namespace drover
