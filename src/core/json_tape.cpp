#include "core/json_tape.h"

#include <cmath>
#include <cstdlib>
#include <limits>
#include <string>

namespace drover {

// The unity build puts several files' anonymous namespaces in one: these names stay apart.
namespace {
namespace tape {

using Kind = JsonTape::Kind;
using Token = JsonTape::Token;

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r'; }
bool is_digit(char c) { return c >= '0' && c <= '9'; }

int hex_value(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Reads the four hex digits at `p`; -1 if they are not.
long hex4(std::string_view s, std::size_t p) {
  if (p + 4 > s.size()) return -1;
  long v = 0;
  for (std::size_t i = 0; i < 4; ++i) {
    int h = hex_value(s[p + i]);
    if (h < 0) return -1;
    v = v * 16 + h;
  }
  return v;
}

void append_utf8(std::string& out, unsigned long cp) {
  if (cp < 0x80) {
    out.push_back(static_cast<char>(cp));
  } else if (cp < 0x800) {
    out.push_back(static_cast<char>(0xC0 | (cp >> 6)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else if (cp < 0x10000) {
    out.push_back(static_cast<char>(0xE0 | (cp >> 12)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  } else {
    out.push_back(static_cast<char>(0xF0 | (cp >> 18)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
    out.push_back(static_cast<char>(0x80 | (cp & 0x3F)));
  }
}

// The code point of the escape `\u` at `p` (at the backslash), a surrogate pair joined;
// `len` gets the escape's length. -1: a lone or mismatched surrogate, or bad hex digits.
long unicode_escape(std::string_view s, std::size_t p, std::size_t& len) {
  long hi = hex4(s, p + 2);
  len = 6;
  if (hi < 0 || (hi >= 0xDC00 && hi <= 0xDFFF)) return -1;
  if (hi < 0xD800 || hi > 0xDBFF) return hi;
  if (p + 7 >= s.size() || s[p + 6] != '\\' || s[p + 7] != 'u') return -1;
  long lo = hex4(s, p + 8);
  if (lo < 0xDC00 || lo > 0xDFFF) return -1;
  len = 12;
  return 0x10000 + ((hi - 0xD800) << 10) + (lo - 0xDC00);
}

// The length of the UTF-8 sequence at `p` (RFC 3629, as nlohmann checks it), 0 if invalid.
std::size_t utf8_length(std::string_view s, std::size_t p) {
  auto at = [&](std::size_t i) -> unsigned {
    return p + i < s.size() ? static_cast<unsigned char>(s[p + i]) : 0x100U;
  };
  auto cont = [&](std::size_t i, unsigned lo = 0x80, unsigned hi = 0xBF) {
    return at(i) >= lo && at(i) <= hi;
  };
  unsigned c = at(0);
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c == 0xE0) return cont(1, 0xA0) && cont(2) ? 3 : 0;
  if ((c >= 0xE1 && c <= 0xEC) || c == 0xEE || c == 0xEF) return cont(1) && cont(2) ? 3 : 0;
  if (c == 0xED) return cont(1, 0x80, 0x9F) && cont(2) ? 3 : 0;
  if (c == 0xF0) return cont(1, 0x90) && cont(2) && cont(3) ? 4 : 0;
  if (c >= 0xF1 && c <= 0xF3) return cont(1) && cont(2) && cont(3) ? 4 : 0;
  if (c == 0xF4) return cont(1, 0x80, 0x8F) && cont(2) && cont(3) ? 4 : 0;
  return 0;
}

// The indexing pass: one value at a time, containers on an explicit stack.
class Indexer {
 public:
  Indexer(std::string_view s, std::vector<Token>& tokens) : s_(s), tokens_(tokens) {}

  bool run() {
    skip_space();
    for (;;) {
      bool opened = false;
      if (!value(opened)) return false;
      if (opened) continue;  // its first element comes next
      // After a value: close what ends here, or go on to the next element or member.
      for (;;) {
        if (open_.empty()) {
          skip_space();
          return p_ == s_.size();
        }
        skip_space();
        std::uint32_t top = open_.back();
        bool object = tokens_[top].kind == Kind::object;
        if (p_ < s_.size() && s_[p_] == (object ? '}' : ']')) {
          ++p_;
          close(top);
          continue;
        }
        if (p_ >= s_.size() || s_[p_] != ',') return false;
        ++p_;
        skip_space();
        if (object && !key()) return false;
        break;
      }
    }
  }

 private:
  void skip_space() {
    while (p_ < s_.size() && is_space(s_[p_])) ++p_;
  }

  std::uint32_t push(Kind kind, std::size_t begin) {
    tokens_.push_back({kind, false, static_cast<std::uint32_t>(begin), 0, 0});
    return static_cast<std::uint32_t>(tokens_.size() - 1);
  }
  void close(std::uint32_t index) {
    tokens_[index].end = static_cast<std::uint32_t>(p_);
    tokens_[index].next = static_cast<std::uint32_t>(tokens_.size());
    open_.pop_back();
  }
  void scalar(Kind kind, std::size_t begin) {
    std::uint32_t i = push(kind, begin);
    tokens_[i].end = static_cast<std::uint32_t>(p_);
    tokens_[i].next = i + 1;
  }

  // A member's key and its colon; the value follows.
  bool key() {
    if (p_ >= s_.size() || s_[p_] != '"' || !string()) return false;
    skip_space();
    if (p_ >= s_.size() || s_[p_] != ':') return false;
    ++p_;
    skip_space();
    return true;
  }

  // One value. A container that is not empty is left open (`opened`), its first key read:
  // its elements come next, read by the caller's loop, so nesting takes no stack.
  bool value(bool& opened) {
    if (p_ >= s_.size()) return false;
    std::size_t begin = p_;
    switch (s_[p_]) {
      case '{':
      case '[': {
        bool object = s_[p_] == '{';
        open_.push_back(push(object ? Kind::object : Kind::array, begin));
        ++p_;
        skip_space();
        if (p_ < s_.size() && s_[p_] == (object ? '}' : ']')) {
          ++p_;
          close(open_.back());
          return true;
        }
        opened = true;
        return !object || key();
      }
      case '"': return string();
      case 't': return literal("true", Kind::boolean);
      case 'f': return literal("false", Kind::boolean);
      case 'n': return literal("null", Kind::null);
      default: return number();
    }
  }

  bool literal(std::string_view word, Kind kind) {
    if (s_.substr(p_, word.size()) != word) return false;
    std::size_t begin = p_;
    p_ += word.size();
    scalar(kind, begin);
    return true;
  }

  // -?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][+-]?[0-9]+)?
  bool number() {
    std::size_t begin = p_;
    auto digits = [&] {
      std::size_t from = p_;
      while (p_ < s_.size() && is_digit(s_[p_])) ++p_;
      return p_ > from;
    };
    if (p_ < s_.size() && s_[p_] == '-') ++p_;
    if (p_ < s_.size() && s_[p_] == '0') {
      ++p_;
    } else if (!digits()) {
      return false;
    }
    if (p_ < s_.size() && s_[p_] == '.') {
      ++p_;
      if (!digits()) return false;
    }
    bool exponent = p_ < s_.size() && (s_[p_] == 'e' || s_[p_] == 'E');
    if (exponent) {
      ++p_;
      if (p_ < s_.size() && (s_[p_] == '+' || s_[p_] == '-')) ++p_;
      if (!digits()) return false;
    }
    // nlohmann refuses a number a double cannot hold ("number overflow": 1e309, or an
    // integer of 309 digits or more), so the tape does too. Without an exponent and under
    // 300 characters a number is below 1e300: only the others are converted to check.
    if (exponent || p_ - begin >= 300) {
      std::string text(s_.substr(begin, p_ - begin));
      if (std::isinf(std::strtod(text.c_str(), nullptr))) return false;
    }
    scalar(Kind::number, begin);
    return true;
  }

  // At the opening quote.
  bool string() {
    std::uint32_t i = push(Kind::string, p_ + 1);
    ++p_;
    while (p_ < s_.size()) {
      auto c = static_cast<unsigned char>(s_[p_]);
      if (c == '"') {
        tokens_[i].end = static_cast<std::uint32_t>(p_);
        tokens_[i].next = i + 1;
        ++p_;
        return true;
      }
      if (c < 0x20) return false;
      if (c == '\\') {
        tokens_[i].escaped = true;
        if (p_ + 1 >= s_.size()) return false;
        char e = s_[p_ + 1];
        if (e == 'u') {
          std::size_t len = 0;
          if (unicode_escape(s_, p_, len) < 0) return false;
          p_ += len;
        } else if (e == '"' || e == '\\' || e == '/' || e == 'b' || e == 'f' || e == 'n' ||
                   e == 'r' || e == 't') {
          p_ += 2;
        } else {
          return false;
        }
        continue;
      }
      if (c < 0x80) {
        ++p_;
        continue;
      }
      std::size_t len = utf8_length(s_, p_);
      if (len == 0) return false;
      p_ += len;
    }
    return false;
  }

  std::string_view s_;
  std::vector<Token>& tokens_;
  std::vector<std::uint32_t> open_;
  std::size_t p_ = 0;
};

}  // namespace tape
}  // namespace

std::optional<JsonTape> JsonTape::parse(std::string_view text) {
  if (text.size() >= std::numeric_limits<std::uint32_t>::max()) return std::nullopt;
  JsonTape tape(text);
  tape.tokens_.reserve(32);
  if (!tape::Indexer(text, tape.tokens_).run()) return std::nullopt;
  return tape;
}

std::string JsonTape::decode(const Token& t) const {
  std::string_view raw = text_.substr(t.begin, t.end - t.begin);
  if (!t.escaped) return std::string(raw);
  std::string out;
  out.reserve(raw.size());
  using tape::append_utf8, tape::unicode_escape;
  for (std::size_t p = 0; p < raw.size();) {
    if (raw[p] != '\\') {
      out.push_back(raw[p++]);
      continue;
    }
    char e = raw[p + 1];
    if (e == 'u') {
      std::size_t len = 0;
      append_utf8(out, static_cast<unsigned long>(unicode_escape(raw, p, len)));
      p += len;
      continue;
    }
    switch (e) {
      case 'b': out.push_back('\b'); break;
      case 'f': out.push_back('\f'); break;
      case 'n': out.push_back('\n'); break;
      case 'r': out.push_back('\r'); break;
      case 't': out.push_back('\t'); break;
      default: out.push_back(e); break;  // '"', '\\', '/'
    }
    p += 2;
  }
  return out;
}

JsonTape::View JsonTape::View::member(std::string_view key) const {
  if (!is(Kind::object)) return {};
  View found;
  const auto& tokens = tape_->tokens_;
  for (std::uint32_t k = index_ + 1; k < token().next; k = tokens[k + 1].next) {
    const Token& name = tokens[k];
    bool same = name.escaped ? tape_->decode(name) == key
                             : tape_->text_.substr(name.begin, name.end - name.begin) == key;
    if (same) found = View(tape_, k + 1);
  }
  return found;
}

std::string JsonTape::View::string() const {
  return is(Kind::string) ? tape_->decode(token()) : std::string();
}

bool JsonTape::View::is_true() const {
  return is(Kind::boolean) && tape_->text_[token().begin] == 't';
}

std::string_view JsonTape::View::text() const {
  if (!present()) return {};
  const Token& t = token();
  if (t.kind == Kind::string) return tape_->text_.substr(t.begin - 1, t.end - t.begin + 2);
  return tape_->text_.substr(t.begin, t.end - t.begin);
}

}  // namespace drover
