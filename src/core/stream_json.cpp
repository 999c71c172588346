// The Claude Code stream-json output mapping (SPEC §5.2).
//
// Everything here works on untrusted bytes from a child process, so nothing may throw:
// the JSON is parsed with exceptions off, and every field is type-checked before it is
// read (nlohmann's get<>() throws on a type mismatch).
#include "core/stream_json.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

#include "core/json_bounded.h"
#include "core/json_tape.h"

namespace drover {
namespace {

using nlohmann::json;

// Byte budget of the short views (tool input, tool result), including the ellipsis.
constexpr std::size_t kShortViewBytes = 200;
constexpr std::string_view kEllipsis = "\xE2\x80\xA6";  // U+2026

// The input keys that say the most about a call of a common tool, best first.
constexpr std::string_view kPreferredInputKeys[] = {
    "command", "file_path", "notebook_path", "pattern", "path",
    "url",     "query",     "description",   "prompt",  "skill",
};

bool is_blank(std::string_view line) {
  return std::all_of(line.begin(), line.end(), [](char c) {
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == '\f' || c == '\v';
  });
}

bool is_continuation_byte(char c) { return (static_cast<unsigned char>(c) & 0xC0U) == 0x80U; }

// One line, at most kShortViewBytes bytes: control characters and runs of whitespace
// become one space, the ends are trimmed, and a cut never splits a UTF-8 sequence.
std::string short_view(std::string_view text) {
  std::string out;
  out.reserve(std::min(text.size(), kShortViewBytes + 4));
  bool pending_space = false;
  bool cut = false;
  for (char c : text) {
    auto u = static_cast<unsigned char>(c);
    if (u < 0x20U || u == 0x7FU || c == ' ') {
      pending_space = !out.empty();
      continue;
    }
    if (pending_space) {
      out.push_back(' ');
      pending_space = false;
    }
    out.push_back(c);
    if (out.size() > kShortViewBytes) {
      cut = true;
      break;
    }
  }
  if (!cut) return out;
  std::size_t keep = kShortViewBytes - kEllipsis.size();
  while (keep > 0 && is_continuation_byte(out[keep])) --keep;
  out.resize(keep);
  while (!out.empty() && out.back() == ' ') out.pop_back();
  out += kEllipsis;
  return out;
}

const json* member(const json& object, std::string_view key) {
  if (!object.is_object()) return nullptr;
  auto it = object.find(key);
  return it == object.end() ? nullptr : &*it;
}

std::string string_member(const json& object, std::string_view key) {
  const json* value = member(object, key);
  return value != nullptr && value->is_string() ? value->get<std::string>() : std::string{};
}

bool bool_member(const json& object, std::string_view key) {
  const json* value = member(object, key);
  return value != nullptr && value->is_boolean() && value->get<bool>();
}

std::optional<std::int64_t> int_member(const json& object, std::string_view key) {
  const json* value = member(object, key);
  if (value == nullptr) return std::nullopt;
  constexpr auto kMax = std::numeric_limits<std::int64_t>::max();
  if (value->is_number_unsigned()) {
    auto u = value->get<std::uint64_t>();
    return u > static_cast<std::uint64_t>(kMax) ? kMax : static_cast<std::int64_t>(u);
  }
  if (value->is_number_integer()) return value->get<std::int64_t>();
  if (value->is_number_float()) {
    double d = value->get<double>();
    // Only finite values inside the range convert without undefined behaviour.
    if (!(d > -9.2e18 && d < 9.2e18)) return std::nullopt;
    return static_cast<std::int64_t>(d);
  }
  return std::nullopt;
}

std::optional<double> double_member(const json& object, std::string_view key) {
  const json* value = member(object, key);
  if (value == nullptr || !value->is_number()) return std::nullopt;
  return value->get<double>();
}

// The mapping reads a line through one of two views with the same few questions: nlohmann's
// tree, or the tape (core/json_tape.h) for the lines that stream by the thousand.
struct TreeValue {
  const json* j = nullptr;
  bool is_object() const { return j != nullptr && j->is_object(); }
  bool is_array() const { return j != nullptr && j->is_array(); }
  bool is_string() const { return j != nullptr && j->is_string(); }
  bool is_absent_or_null() const { return j == nullptr || j->is_null(); }
  TreeValue member(std::string_view key) const {
    return {j != nullptr ? drover::member(*j, key) : nullptr};
  }
  std::string string() const { return is_string() ? j->get<std::string>() : std::string(); }
  bool is_true() const { return j != nullptr && j->is_boolean() && j->get<bool>(); }
  std::string compact() const { return compact_json(*j); }
  template <class F>
  void each(F f) const {
    if (is_array())
      for (const json& e : *j) f(TreeValue{&e});
  }
};

struct TapeValue {
  using Kind = JsonTape::Kind;
  JsonTape::View v;
  bool is_object() const { return v.is(Kind::object); }
  bool is_array() const { return v.is(Kind::array); }
  bool is_string() const { return v.is(Kind::string); }
  bool is_absent_or_null() const { return !v.present() || v.is(Kind::null); }
  TapeValue member(std::string_view key) const { return {v.member(key)}; }
  std::string string() const { return v.string(); }
  bool is_true() const { return v.is_true(); }
  // Rare (tool input without a string to show): nlohmann renders it, exactly as before.
  std::string compact() const {
    return compact_json(json::parse(v.text(), nullptr, /*allow_exceptions=*/false));
  }
  template <class F>
  void each(F f) const {
    v.each([&f](JsonTape::View e) { f(TapeValue{e}); });
  }
};

template <class V>
std::string tool_input_view(const V& input) {
  if (input.is_absent_or_null()) return {};
  if (input.is_object()) {
    for (std::string_view key : kPreferredInputKeys) {
      V value = input.member(key);
      if (value.is_string()) return short_view(value.string());
    }
  }
  if (input.is_string()) return short_view(input.string());
  return short_view(input.compact());
}

// tool_result content: a string, or an array of blocks ({type:text,text} and others).
template <class V>
std::string tool_result_view(const V& content) {
  if (content.is_absent_or_null()) return {};
  if (content.is_string()) return short_view(content.string());
  if (!content.is_array()) return short_view(content.compact());
  std::string joined;
  content.each([&joined](const V& block) {
    if (joined.size() > kShortViewBytes) return;
    std::string piece;
    if (block.is_string()) {
      piece = block.string();
    } else if (block.member("type").string() == "text") {
      piece = block.member("text").string();
    } else {
      std::string type = block.member("type").string();
      piece = "[" + (type.empty() ? std::string("?") : type) + "]";
    }
    if (piece.empty()) return;
    if (!joined.empty()) joined.push_back(' ');
    joined += piece;
  });
  return short_view(joined);
}

// Keeps a parser message printable ASCII and short: it may quote the offending bytes.
std::string sanitize_error(std::string_view what) {
  std::string out;
  for (char c : what) {
    if (out.size() >= kShortViewBytes) break;
    auto u = static_cast<unsigned char>(c);
    out.push_back(u >= 0x20U && u < 0x7FU ? c : '?');
  }
  return out;
}

// A SAX consumer that only records why a parse failed.
struct ErrorRecorder {
  std::string message;
  bool null() { return true; }
  bool boolean(bool) { return true; }
  bool number_integer(json::number_integer_t) { return true; }
  bool number_unsigned(json::number_unsigned_t) { return true; }
  bool number_float(json::number_float_t, const std::string&) { return true; }
  bool string(std::string&) { return true; }
  bool binary(json::binary_t&) { return true; }
  bool start_object(std::size_t) { return true; }
  bool key(std::string&) { return true; }
  bool end_object() { return true; }
  bool start_array(std::size_t) { return true; }
  bool end_array() { return true; }
  bool parse_error(std::size_t, const std::string&, const nlohmann::detail::exception& ex) {
    message = ex.what();
    return false;
  }
};

std::string parse_error_text(std::string_view line) {
  ErrorRecorder recorder;
  json::sax_parse(line.begin(), line.end(), &recorder, json::input_format_t::json, true);
  if (recorder.message.empty()) return "invalid JSON";
  return "invalid JSON: " + sanitize_error(recorder.message);
}

StreamEvent make_event(StreamEventKind kind, const std::string& session_id) {
  StreamEvent event;
  event.kind = kind;
  event.session_id = session_id;
  return event;
}

void map_system(const json& root, ParsedLine& out) {
  std::string subtype = string_member(root, "subtype");
  if (subtype != "init") {
    out.ignored = true;
    return;
  }
  StreamEvent event = make_event(StreamEventKind::session_start, out.session_id);
  event.model = string_member(root, "model");
  event.subtype = std::move(subtype);
  out.events.push_back(std::move(event));
}

template <class V>
void map_assistant(const V& root, ParsedLine& out) {
  V content = root.member("message").member("content");
  if (content.is_string()) {
    std::string text = content.string();
    if (text.empty()) return;
    StreamEvent event = make_event(StreamEventKind::assistant_text, out.session_id);
    event.text = std::move(text);
    out.events.push_back(std::move(event));
    return;
  }
  if (!content.is_array()) return;
  std::string api_error = root.member("error").string();
  content.each([&](const V& block) {
    std::string type = block.member("type").string();
    if (type == "text") {
      std::string text = block.member("text").string();
      if (text.empty()) return;
      StreamEvent event = make_event(StreamEventKind::assistant_text, out.session_id);
      event.text = std::move(text);
      event.api_error = api_error;
      out.events.push_back(std::move(event));
    } else if (type == "tool_use") {
      StreamEvent event = make_event(StreamEventKind::tool_start, out.session_id);
      event.tool_name = block.member("name").string();
      event.tool_id = block.member("id").string();
      event.tool_input = tool_input_view(block.member("input"));
      out.events.push_back(std::move(event));
    }
    // `thinking`, `redacted_thinking` and unknown blocks are skipped.
  });
}

template <class V>
void map_user(const V& root, ParsedLine& out) {
  V content = root.member("message").member("content");
  content.each([&out](const V& block) {
    if (block.member("type").string() != "tool_result") return;
    StreamEvent event = make_event(StreamEventKind::tool_end, out.session_id);
    event.tool_id = block.member("tool_use_id").string();
    event.text = tool_result_view(block.member("content"));
    event.is_error = block.member("is_error").is_true();
    out.events.push_back(std::move(event));
  });
}

void map_result(const json& root, ParsedLine& out) {
  StreamEvent event = make_event(StreamEventKind::result, out.session_id);
  // Judged by is_error alone: a failed turn can say "subtype":"success".
  event.is_error = bool_member(root, "is_error");
  event.subtype = string_member(root, "subtype");
  if (const json* result = member(root, "result"); result != nullptr && result->is_string()) {
    event.text = result->get<std::string>();
  } else if (const json* errors = member(root, "errors"); errors != nullptr && errors->is_array()) {
    for (const json& error : *errors) {
      if (!event.text.empty()) event.text += "; ";
      event.text += error.is_string() ? error.get<std::string>() : compact_json(error);
    }
  }
  event.duration_ms = int_member(root, "duration_ms");
  event.num_turns = int_member(root, "num_turns");
  event.total_cost_usd = double_member(root, "total_cost_usd");
  if (const json* usage = member(root, "usage"); usage != nullptr && usage->is_object()) {
    event.input_tokens = int_member(*usage, "input_tokens");
    event.output_tokens = int_member(*usage, "output_tokens");
    event.cache_read_tokens = int_member(*usage, "cache_read_input_tokens");
    event.cache_creation_tokens = int_member(*usage, "cache_creation_input_tokens");
  }
  out.events.push_back(std::move(event));
}

}  // namespace

ParsedLine parse_stream_line_tree(std::string_view line) {
  ParsedLine out;
  if (is_blank(line)) return out;

  json root = json::parse(line.begin(), line.end(), nullptr, /*allow_exceptions=*/false);
  if (root.is_discarded()) {
    StreamEvent event;
    event.kind = StreamEventKind::malformed;
    event.error = parse_error_text(line);
    out.events.push_back(std::move(event));
    return out;
  }
  if (!root.is_object()) {
    StreamEvent event;
    event.kind = StreamEventKind::malformed;
    event.error = std::string("not a JSON object but ") + root.type_name();
    out.events.push_back(std::move(event));
    return out;
  }

  out.session_id = string_member(root, "session_id");
  std::string type = string_member(root, "type");
  if (type == "system") {
    map_system(root, out);
  } else if (type == "assistant") {
    map_assistant(TreeValue{&root}, out);
  } else if (type == "user") {
    map_user(TreeValue{&root}, out);
  } else if (type == "result") {
    map_result(root, out);
  } else {
    out.ignored = true;
  }
  return out;
}

ParsedLine parse_stream_line(std::string_view line) {
  if (is_blank(line)) return {};
  if (auto tape = JsonTape::parse(line)) {
    TapeValue root{tape->root()};
    std::string type = root.member("type").string();
    if (type == "assistant" || type == "user") {
      ParsedLine out;
      out.session_id = root.member("session_id").string();
      if (type == "assistant") map_assistant(root, out);
      else map_user(root, out);
      return out;
    }
  }
  return parse_stream_line_tree(line);
}

}  // namespace drover
