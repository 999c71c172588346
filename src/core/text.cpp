#include "core/text.h"

#include <cstdio>

namespace drover {

namespace {

// Length of a valid UTF-8 sequence starting at s[i], or 0 if invalid.
std::size_t utf8_len(std::string_view s, std::size_t i) {
  auto b = static_cast<unsigned char>(s[i]);
  std::size_t n = b < 0x80           ? 1
                  : (b >> 5) == 0x6  ? 2
                  : (b >> 4) == 0xE  ? 3
                  : (b >> 3) == 0x1E ? 4
                                     : 0;
  if (n == 0 || i + n > s.size()) return 0;
  for (std::size_t k = 1; k < n; ++k)
    if ((static_cast<unsigned char>(s[i + k]) >> 6) != 0x2) return 0;
  if (n == 2 && b < 0xC2) return 0;  // overlong
  if (n == 3) {
    auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b == 0xE0 && b1 < 0xA0) return 0;
    if (b == 0xED && b1 >= 0xA0) return 0;  // surrogates
  }
  if (n == 4) {
    auto b1 = static_cast<unsigned char>(s[i + 1]);
    if (b == 0xF0 && b1 < 0x90) return 0;
    if (b > 0xF4 || (b == 0xF4 && b1 >= 0x90)) return 0;
  }
  return n;
}

void hex(std::string& out, unsigned char c) {
  char buf[8];
  std::snprintf(buf, sizeof buf, "\\x%02x", c);
  out += buf;
}

void escape_into(std::string& out, std::string_view text, bool keep_lines) {
  if (out.empty()) out.reserve(text.size());
  for (std::size_t i = 0; i < text.size();) {
    auto c = static_cast<unsigned char>(text[i]);
    if (c < 0x80) {
      if (c == '\n') out += keep_lines ? "\n" : "\\n";
      else if (c == '\t') out += keep_lines ? "\t" : "\\t";
      else if (c == '\r') out += "\\r";
      else if (c < 0x20 || c == 0x7F) hex(out, c);
      else out += static_cast<char>(c);
      ++i;
      continue;
    }
    std::size_t n = utf8_len(text, i);
    if (n == 0) {
      hex(out, c);
      ++i;
      continue;
    }
    // C1 controls (U+0080..U+009F) are encoded as C2 80..C2 9F.
    if (n == 2 && c == 0xC2 && static_cast<unsigned char>(text[i + 1]) < 0xA0) {
      hex(out, c);
      hex(out, static_cast<unsigned char>(text[i + 1]));
    } else {
      out.append(text.substr(i, n));
    }
    i += n;
  }
}

std::string escape(std::string_view text, bool keep_lines) {
  std::string out;
  escape_into(out, text, keep_lines);
  return out;
}

}  // namespace

std::string escape_control(std::string_view text) { return escape(text, false); }
std::string escape_control_keep_lines(std::string_view text) { return escape(text, true); }
void append_escaped_control(std::string& out, std::string_view text) {
  escape_into(out, text, false);
}

std::string one_line_summary(std::string_view text, std::size_t max_chars) {
  auto nl = text.find('\n');
  std::string_view first = text.substr(0, nl);
  bool cut = nl != std::string_view::npos;
  std::string esc = escape_control(first);
  // Count code points, not bytes, so we never split a UTF-8 sequence.
  std::size_t chars = 0, i = 0;
  for (; i < esc.size(); ++i) {
    if ((static_cast<unsigned char>(esc[i]) & 0xC0) != 0x80) {
      if (chars == max_chars) break;
      ++chars;
    }
  }
  if (i < esc.size()) {
    esc.resize(i);
    cut = true;
  }
  if (cut) esc += "…";
  return esc;
}

}  // namespace drover
