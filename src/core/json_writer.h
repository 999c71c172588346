#pragma once
// Streaming JSON output for the large documents (status over thousands of agents), where
// building a DOM first costs more than the query. Pure: appends to a string.
//
// Output is valid JSON whatever the input bytes: strings are escaped, and invalid UTF-8 is
// replaced by U+FFFD (as dump_json does for DOM documents). With indent > 0 it is
// pretty-printed like nlohmann's dump(indent): one member or element per line.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drover {

class JsonWriter {
 public:
  explicit JsonWriter(int indent = 2) : indent_(indent) {}

  JsonWriter& begin_object();
  JsonWriter& end_object();
  JsonWriter& begin_array();
  JsonWriter& end_array();
  // Inside an object: the next member's name (then exactly one value or container).
  // Names are drover's own identifiers (ASCII, nothing to escape) and are copied as is.
  JsonWriter& key(std::string_view name);

  JsonWriter& value(std::string_view s);
  JsonWriter& value(const char* s) { return value(std::string_view(s)); }
  JsonWriter& value(const std::string& s) { return value(std::string_view(s)); }
  JsonWriter& value(std::int64_t n);
  JsonWriter& value(int n) { return value(static_cast<std::int64_t>(n)); }
  JsonWriter& value(double d);
  JsonWriter& value(bool b);
  JsonWriter& null();
  template <class T>
  JsonWriter& value(const std::optional<T>& v) {
    return v ? value(*v) : null();
  }
  // An already serialised JSON value, inserted as is (it must be valid JSON).
  JsonWriter& raw(std::string_view json);
  // A value serialised with the same indent at depth 0 (nlohmann's dump(indent)), shifted
  // to the current depth: every line after its first gains the depth's indentation. JSON
  // strings hold no raw newline, so only the layout's newlines move.
  JsonWriter& raw_indented(std::string_view json);

  // `"name": value` in one call.
  template <class T>
  JsonWriter& member(std::string_view name, const T& v) {
    key(name);
    return value(v);
  }

  int indent() const { return indent_; }
  const std::string& str() const { return out_; }
  std::string take() { return std::move(out_); }
  // Streaming: the caller writes str() out and drops it; the writer carries on where it
  // was (open containers, commas), so the pieces joined are the whole document.
  void clear_text() { out_.clear(); }

 private:
  void before_value();
  void newline(std::size_t depth);
  void close(char c);

  struct Level {
    bool object;
    int count;
  };
  int indent_;
  std::string out_;
  std::vector<Level> stack_;
  bool after_key_ = false;
};

// Appends `s` as a JSON string literal (quotes included) to `out`.
void append_json_string(std::string& out, std::string_view s);

}  // namespace drover
