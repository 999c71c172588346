// The Claude Code stream-json output mapping (SPEC §5.2).
//
// Everything here works on untrusted bytes from a child process, so nothing may throw:
// the JSON is parsed with exceptions off, and every field is type-checked before it is
// read (nlohmann's get<>() throws on a type mismatch).
#include "core/stream_json.h"

#include <algorithm>
#include <limits>
#include <nlohmann/json.hpp>

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

std::string dump_scalar(const json& value) {
  // Invalid UTF-8 (impossible after a successful parse) is replaced.
  return value.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Compact JSON, the same text as dump(), but written with an explicit stack: dump()
// recurses once per nesting level, and a line of 100,000 '[' (200 KB, well under the line
// cap) exhausted the stack. The parser and the destructor are iterative already.
std::string compact(const json& value) {
  struct Level {
    json::const_iterator next, end;
    bool object;
    bool first = true;
  };
  std::vector<Level> open;
  std::string out;
  auto write = [&](const json& v) {
    if (!v.is_structured()) {
      out += dump_scalar(v);
      return;
    }
    out.push_back(v.is_object() ? '{' : '[');
    open.push_back(Level{v.cbegin(), v.cend(), v.is_object()});
  };
  write(value);
  while (!open.empty()) {
    Level& level = open.back();
    if (level.next == level.end) {
      out.push_back(level.object ? '}' : ']');
      open.pop_back();
      continue;
    }
    if (!level.first) out.push_back(',');
    level.first = false;
    if (level.object) {
      out += dump_scalar(json(level.next.key()));
      out.push_back(':');
    }
    const json& child = *level.next;
    ++level.next;  // before write(), which may reallocate `open`
    write(child);
  }
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

std::string tool_input_view(const json* input) {
  if (input == nullptr || input->is_null()) return {};
  if (input->is_object()) {
    for (std::string_view key : kPreferredInputKeys) {
      const json* value = member(*input, key);
      if (value != nullptr && value->is_string()) return short_view(value->get<std::string>());
    }
  }
  if (input->is_string()) return short_view(input->get<std::string>());
  return short_view(compact(*input));
}

// tool_result content: a string, or an array of blocks ({type:text,text} and others).
std::string tool_result_view(const json* content) {
  if (content == nullptr || content->is_null()) return {};
  if (content->is_string()) return short_view(content->get<std::string>());
  if (!content->is_array()) return short_view(compact(*content));
  std::string joined;
  for (const json& block : *content) {
    if (joined.size() > kShortViewBytes) break;
    std::string piece;
    if (block.is_string()) {
      piece = block.get<std::string>();
    } else if (string_member(block, "type") == "text") {
      piece = string_member(block, "text");
    } else {
      std::string type = string_member(block, "type");
      piece = "[" + (type.empty() ? std::string("?") : type) + "]";
    }
    if (piece.empty()) continue;
    if (!joined.empty()) joined.push_back(' ');
    joined += piece;
  }
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

void map_assistant(const json& root, ParsedLine& out) {
  const json* message = member(root, "message");
  const json* content = message != nullptr ? member(*message, "content") : nullptr;
  if (content == nullptr) return;
  if (content->is_string()) {
    if (content->get_ref<const std::string&>().empty()) return;
    StreamEvent event = make_event(StreamEventKind::assistant_text, out.session_id);
    event.text = content->get<std::string>();
    out.events.push_back(std::move(event));
    return;
  }
  if (!content->is_array()) return;
  std::string api_error = string_member(root, "error");
  for (const json& block : *content) {
    std::string type = string_member(block, "type");
    if (type == "text") {
      std::string text = string_member(block, "text");
      if (text.empty()) continue;
      StreamEvent event = make_event(StreamEventKind::assistant_text, out.session_id);
      event.text = std::move(text);
      event.api_error = api_error;
      out.events.push_back(std::move(event));
    } else if (type == "tool_use") {
      StreamEvent event = make_event(StreamEventKind::tool_start, out.session_id);
      event.tool_name = string_member(block, "name");
      event.tool_id = string_member(block, "id");
      event.tool_input = tool_input_view(member(block, "input"));
      out.events.push_back(std::move(event));
    }
    // `thinking`, `redacted_thinking` and unknown blocks are skipped.
  }
}

void map_user(const json& root, ParsedLine& out) {
  const json* message = member(root, "message");
  const json* content = message != nullptr ? member(*message, "content") : nullptr;
  if (content == nullptr || !content->is_array()) return;
  for (const json& block : *content) {
    if (string_member(block, "type") != "tool_result") continue;
    StreamEvent event = make_event(StreamEventKind::tool_end, out.session_id);
    event.tool_id = string_member(block, "tool_use_id");
    event.text = tool_result_view(member(block, "content"));
    event.is_error = bool_member(block, "is_error");
    out.events.push_back(std::move(event));
  }
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
      event.text += error.is_string() ? error.get<std::string>() : compact(error);
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

ParsedLine parse_stream_line(std::string_view line) {
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
    map_assistant(root, out);
  } else if (type == "user") {
    map_user(root, out);
  } else if (type == "result") {
    map_result(root, out);
  } else {
    out.ignored = true;
  }
  return out;
}

void LineSplitter::feed(std::string_view bytes) {
  while (!bytes.empty()) {
    std::size_t newline = bytes.find('\n');
    std::string_view piece = bytes.substr(0, newline);
    // Bytes past the cap are counted, never kept.
    std::size_t room = max_ > partial_.size() ? max_ - partial_.size() : 0;
    partial_.append(piece.substr(0, std::min(room, piece.size())));
    if (piece.size() > room) partial_truncated_ = true;
    partial_original_ += piece.size();
    if (newline == std::string_view::npos) return;

    emit_partial(true);
    bytes.remove_prefix(newline + 1);
  }
}

void LineSplitter::finish() {
  if (partial_original_ != 0) emit_partial(false);
}

void LineSplitter::emit_partial(bool terminated) {
  Line line;
  line.terminated = terminated;
  line.text = std::move(partial_);
  line.truncated = partial_truncated_;
  line.original_bytes = partial_original_;
  ready_.push_back(std::move(line));
  partial_.clear();
  partial_original_ = 0;
  partial_truncated_ = false;
}

std::optional<LineSplitter::Line> LineSplitter::next() {
  if (ready_pos_ >= ready_.size()) return std::nullopt;
  Line line = std::move(ready_[ready_pos_++]);
  if (ready_pos_ == ready_.size()) {
    ready_.clear();
    ready_pos_ = 0;
  }
  return line;
}

}  // namespace drover
