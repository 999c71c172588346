// Fuzzes the escaping of untrusted text for a human's terminal (core/text.h): the input
// is text an agent could have written (a mail body, a subject, a tool result).
//
// Properties:
//  - escape_control leaves no control character (C0, DEL, C1), no ESC, and valid UTF-8,
//    and leaves text that is already valid and control-free unchanged;
//  - escape_control_keep_lines is the same except that newlines and tabs stay: it keeps
//    exactly the input's newlines and tabs, and writing them as \n and \t gives
//    escape_control's output;
//  - one_line_summary is one escaped line of at most max_chars code points plus "…",
//    a prefix of the escaped first line, and cut exactly when the text was longer.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "core/text.h"

using namespace drover;
using drover::fuzz::code_points;
using drover::fuzz::has_control;
using drover::fuzz::valid_utf8;

namespace {

constexpr std::string_view kEllipsis = "\xE2\x80\xA6";

std::size_t count(std::string_view s, char c) {
  std::size_t n = 0;
  for (char x : s) n += x == c;
  return n;
}

void check_summary(std::string_view text, std::size_t max_chars) {
  std::string summary = one_line_summary(text, max_chars);
  FUZZ_CHECK(!has_control(summary) && valid_utf8(summary));
  std::string first = escape_control(text.substr(0, text.find('\n')));
  bool whole = text.find('\n') == std::string_view::npos && code_points(first) <= max_chars;
  if (whole) {
    FUZZ_CHECK(summary == first);
    return;
  }
  FUZZ_CHECK(summary.size() >= kEllipsis.size() &&
             std::string_view(summary).substr(summary.size() - kEllipsis.size()) == kEllipsis);
  std::string_view kept = std::string_view(summary).substr(0, summary.size() - kEllipsis.size());
  FUZZ_CHECK(code_points(kept) <= max_chars);
  FUZZ_CHECK(first.compare(0, kept.size(), kept) == 0);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);

  std::string escaped = escape_control(text);
  FUZZ_CHECK(!has_control(escaped));
  FUZZ_CHECK(escaped.find('\x1b') == std::string::npos);
  FUZZ_CHECK(valid_utf8(escaped));
  FUZZ_CHECK(escaped.size() <= 4 * size);
  if (valid_utf8(text) && !has_control(text)) FUZZ_CHECK(escaped == text);

  std::string lines = escape_control_keep_lines(text);
  FUZZ_CHECK(!has_control(lines, "\n\t"));
  FUZZ_CHECK(valid_utf8(lines));
  FUZZ_CHECK(count(lines, '\n') == count(text, '\n') && count(lines, '\t') == count(text, '\t'));
  std::string relined;
  for (char c : lines) relined += c == '\n' ? "\\n" : c == '\t' ? "\\t" : std::string(1, c);
  FUZZ_CHECK(relined == escaped);

  check_summary(text, 80);
  check_summary(text, size % 17);
  return 0;
}
