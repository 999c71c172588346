#include <doctest/doctest.h>

#include <cstdint>
#include <random>
#include <string>

#include "core/text.h"

using namespace drover;
using std::string;

TEST_CASE("escape_control: printable ASCII passes through") {
  string all;
  for (int c = 0x20; c < 0x7f; ++c) all += static_cast<char>(c);
  CHECK(escape_control(all) == all);
  CHECK(escape_control("").empty());
  CHECK(escape_control("back\\slash") == "back\\slash");
}

TEST_CASE("escape_control: ESC, NUL, DEL and other C0 controls") {
  CHECK(escape_control("\x1b[31mred\x1b[0m") == "\\x1b[31mred\\x1b[0m");
  CHECK(escape_control(string("a\0b", 3)) == "a\\x00b");
  CHECK(escape_control("x\x7fy") == "x\\x7fy");
  CHECK(escape_control("\x01\x07\x08\x0b\x0c\x1f") == "\\x01\\x07\\x08\\x0b\\x0c\\x1f");
  CHECK(escape_control("a\nb") == "a\\nb");
  CHECK(escape_control("a\tb") == "a\\tb");
  CHECK(escape_control("a\rb") == "a\\rb");
  // An OSC sequence (set window title) is defused.
  CHECK(escape_control("\x1b]0;pwned\x07") == "\\x1b]0;pwned\\x07");
}

TEST_CASE("escape_control: C1 controls encoded in UTF-8") {
  CHECK(escape_control("\xc2\x9b"
                       "31m") == "\\xc2\\x9b31m");  // CSI
  CHECK(escape_control("\xc2\x80") == "\\xc2\\x80");
  CHECK(escape_control("\xc2\x85") == "\\xc2\\x85");  // NEL
  CHECK(escape_control("\xc2\x9f") == "\\xc2\\x9f");
  // U+00A0 and above in the C2 block are ordinary characters.
  CHECK(escape_control("\xc2\xa0") == "\xc2\xa0");
  CHECK(escape_control("\xc2\xa9 2026") == "\xc2\xa9 2026");
}

TEST_CASE("escape_control: invalid UTF-8 bytes become \\xNN") {
  CHECK(escape_control("\xff") == "\\xff");
  CHECK(escape_control("a\xfe"
                       "b") == "a\\xfeb");
  CHECK(escape_control("\x80") == "\\x80");                             // lone continuation byte
  CHECK(escape_control("\xc3") == "\\xc3");                             // truncated at the end
  CHECK(escape_control("\xc3(") == "\\xc3(");                           // bad continuation
  CHECK(escape_control("\xe2\x82") == "\\xe2\\x82");                    // truncated 3-byte
  CHECK(escape_control("\xc0\xaf") == "\\xc0\\xaf");                    // overlong '/'
  CHECK(escape_control("\xc1\xbf") == "\\xc1\\xbf");                    // overlong
  CHECK(escape_control("\xe0\x80\xaf") == "\\xe0\\x80\\xaf");           // overlong 3-byte
  CHECK(escape_control("\xf0\x80\x80\xaf") == "\\xf0\\x80\\x80\\xaf");  // overlong 4-byte
  CHECK(escape_control("\xed\xa0\x80") == "\\xed\\xa0\\x80");           // UTF-16 surrogate
  CHECK(escape_control("\xf4\x90\x80\x80") == "\\xf4\\x90\\x80\\x80");  // > U+10FFFF
  CHECK(escape_control("\xf5\x80\x80\x80") == "\\xf5\\x80\\x80\\x80");
  CHECK(escape_control("\xf8\x88\x80\x80\x80") == "\\xf8\\x88\\x80\\x80\\x80");
}

TEST_CASE("escape_control: valid multibyte UTF-8 is kept") {
  for (const string s : {"caf\xc3\xa9", "\xe2\x82\xac 5", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e",
                         "\xf0\x9f\x98\x80", "\xef\xbf\xbd", "\xed\x9f\xbf", "\xee\x80\x80",
                         "\xf0\x90\x80\x80", "\xf4\x8f\xbf\xbf", "\xe2\x80\x94 \xe2\x9c\x93"}) {
    CAPTURE(s);
    CHECK(escape_control(s) == s);
  }
  CHECK(escape_control("\xc3\xa9\x1b\xc3\xa9") == "\xc3\xa9\\x1b\xc3\xa9");
}

TEST_CASE("escape_control_keep_lines keeps newlines and tabs only") {
  CHECK(escape_control_keep_lines("a\nb\tc") == "a\nb\tc");
  CHECK(escape_control_keep_lines("a\r\nb") == "a\\r\nb");
  CHECK(escape_control_keep_lines("\x1b[2J\n") == "\\x1b[2J\n");
  CHECK(escape_control_keep_lines(string("\0", 1)) == "\\x00");
  CHECK(escape_control_keep_lines("\xc2\x9b") == "\\xc2\\x9b");
  CHECK(escape_control_keep_lines("\xff") == "\\xff");
  CHECK(escape_control_keep_lines("\xc3\xa9") == "\xc3\xa9");
}

TEST_CASE("escape_control: every byte value, and arbitrary bytes, come out safe") {
  for (int b = 0; b < 256; ++b) {
    const string in(1, static_cast<char>(b));
    const string out = escape_control(in);
    CAPTURE(b);
    if (b >= 0x20 && b < 0x7f) {
      CHECK(out == in);
    } else {
      CHECK(out.size() >= 2);
      CHECK(out[0] == '\\');
    }
  }
  std::mt19937 rng(12345);
  std::uniform_int_distribution<int> byte(0, 255), len(0, 40);
  for (int i = 0; i < 2000; ++i) {
    string in;
    for (int n = len(rng); n > 0; --n) in += static_cast<char>(byte(rng));
    const string out = escape_control(in);
    CAPTURE(i);
    bool safe = true;
    for (unsigned char c : out)
      if (c < 0x20 || c == 0x7f) safe = false;
    CHECK(safe);
    // The output is already safe text: escaping it again changes nothing.
    CHECK(escape_control(out) == out);
    CHECK(escape_control_keep_lines(out) == out);
  }
}

TEST_CASE("one_line_summary: short text is kept whole") {
  CHECK(one_line_summary("hello", 10) == "hello");
  CHECK(one_line_summary("hello", 5) == "hello");
  CHECK(one_line_summary("", 5) == "");
  CHECK(one_line_summary("", 0) == "");
}

TEST_CASE("one_line_summary: long text is cut with an ellipsis") {
  CHECK(one_line_summary("hello world", 5) == "hello\xe2\x80\xa6");
  CHECK(one_line_summary("hello", 4) == "hell\xe2\x80\xa6");
  CHECK(one_line_summary("hello", 0) == "\xe2\x80\xa6");
}

TEST_CASE("one_line_summary: only the first line") {
  CHECK(one_line_summary("first\nsecond", 80) == "first\xe2\x80\xa6");
  CHECK(one_line_summary("\nsecond", 80) == "\xe2\x80\xa6");
  CHECK(one_line_summary("first line is long\nsecond", 5) == "first\xe2\x80\xa6");
}

TEST_CASE("one_line_summary: cuts on code points, never inside a UTF-8 sequence") {
  // "héllo wörld": 11 code points, 13 bytes.
  const string text = "h\xc3\xa9llo w\xc3\xb6rld";
  CHECK(one_line_summary(text, 11) == text);
  CHECK(one_line_summary(text, 2) == "h\xc3\xa9\xe2\x80\xa6");
  CHECK(one_line_summary(text, 1) == "h\xe2\x80\xa6");
  CHECK(one_line_summary(text, 8) == "h\xc3\xa9llo w\xc3\xb6\xe2\x80\xa6");
  // CJK (3 bytes each) and emoji (4 bytes each).
  const string cjk = "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e";
  CHECK(one_line_summary(cjk, 3) == cjk);
  CHECK(one_line_summary(cjk, 2) == "\xe6\x97\xa5\xe6\x9c\xac\xe2\x80\xa6");
  const string emoji = "\xf0\x9f\x98\x80\xf0\x9f\x98\x81\xf0\x9f\x98\x82";
  CHECK(one_line_summary(emoji, 1) == "\xf0\x9f\x98\x80\xe2\x80\xa6");
  CHECK(one_line_summary(emoji, 3) == emoji);
}

TEST_CASE("one_line_summary: control characters are escaped before counting") {
  CHECK(one_line_summary("a\x1b[0mb", 80) == "a\\x1b[0mb");
  CHECK(one_line_summary("a\tb", 80) == "a\\tb");
  CHECK(one_line_summary("\xff\xfe", 80) == "\\xff\\xfe");
  // The escaped form is what gets cut: "\x1b" counts as 4 characters.
  CHECK(one_line_summary("\x1bxyz", 4) == "\\x1b\xe2\x80\xa6");
  CHECK(one_line_summary("a\r\nb", 80) == "a\\r\xe2\x80\xa6");
}

TEST_CASE("append_escaped_control appends what escape_control returns") {
  std::string out = "kept: ";
  append_escaped_control(out, "a\nb\x1b[0m\xff\xc2\x85 é");
  CHECK(out == "kept: " + escape_control("a\nb\x1b[0m\xff\xc2\x85 é"));
}
