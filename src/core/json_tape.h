#pragma once
// A JSON text checked and indexed in one pass, without building a tree (issue 18: the
// supervisor reads every line every running agent streams, and building nlohmann's tree
// for each, a node and a string per member, was a quarter of its CPU with 1,000 agents
// streaming). Pure.
//
// Strict by design: it accepts only RFC 8259 JSON that nlohmann::json::parse also accepts
// (UTF-8 checked as nlohmann checks it, escapes and surrogate pairs, no control characters
// in strings, nothing but whitespace around the value), and it refuses some texts nlohmann
// would take (a byte-order mark). A caller falls back to nlohmann on a refusal, so the
// answer for those is nlohmann's. Strings are checked while indexing and decoded only when
// asked for; nesting costs no stack.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drover {

class JsonTape {
 public:
  enum class Kind : std::uint8_t { null, boolean, number, string, array, object };

  // nullopt: not exactly one JSON value with only whitespace around it. The tape keeps a
  // view of `text`, which must outlive it.
  static std::optional<JsonTape> parse(std::string_view text);

  // The index's entries (callers read the tape through View).
  // Objects: the object's token, then each member's key (a string token) and its value's
  // tokens. `next` is the index just past the value's tokens.
  struct Token {
    Kind kind;
    bool escaped;         // a string with a backslash in it: decode before comparing
    std::uint32_t begin;  // strings: after the opening quote; others: the first byte
    std::uint32_t end;    // strings: at the closing quote; others: past the last byte
    std::uint32_t next;
  };

  // One value of the tape, or none (a missing member).
  class View {
   public:
    View() = default;
    bool present() const { return tape_ != nullptr; }
    bool is(Kind k) const { return present() && token().kind == k; }
    // The member named `key` of an object: the last one when the key repeats, as nlohmann
    // keeps it. None for anything but an object, or no such member.
    View member(std::string_view key) const;
    // A string's value, escapes decoded; empty for anything else.
    std::string string() const;
    bool is_true() const;
    // The value's JSON text as it was written.
    std::string_view text() const;
    // An array's elements in order, as Views; nothing for anything else.
    template <class F>
    void each(F f) const {
      if (!is(Kind::array)) return;
      for (std::uint32_t i = index_ + 1; i < token().next; i = tape_->tokens_[i].next)
        f(View(tape_, i));
    }

   private:
    friend class JsonTape;
    View(const JsonTape* tape, std::uint32_t index) : tape_(tape), index_(index) {}
    const Token& token() const { return tape_->tokens_[index_]; }
    const JsonTape* tape_ = nullptr;
    std::uint32_t index_ = 0;
  };

  View root() const { return View(this, 0); }

 private:
  explicit JsonTape(std::string_view text) : text_(text) {}
  std::string decode(const Token& t) const;

  std::string_view text_;
  std::vector<Token> tokens_;
};

}  // namespace drover
