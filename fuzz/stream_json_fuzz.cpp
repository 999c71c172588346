// Fuzzes what a child process's stdout goes through (core/stream_json.h): the input is
// the byte stream, cut into lines by LineSplitter, and every line is mapped by
// parse_stream_line. Seeds are recorded stream-json transcripts.
//
// Properties:
//  - the splitter agrees with a plain split on '\n' however the bytes are chunked:
//    bytes are conserved (sum of original_bytes + newlines == input), no line is longer
//    than the cap, `truncated` is set exactly when a line was cut, and a cut line is a
//    prefix of the original;
//  - the mapper never throws; blank lines give nothing; a malformed line gives exactly one
//    event with a short printable-ASCII reason; ignored lines give no events; every event
//    carries the line's session id; every string is valid UTF-8; the short views (tool
//    input, tool result) are one line of at most 200 bytes without control characters,
//    without leading, trailing or doubled spaces;
//  - the fast path agrees with nlohmann: a line the tape (core/json_tape.h) accepts is
//    JSON to nlohmann too, and parse_stream_line gives exactly what parse_stream_line_tree
//    (nlohmann's tree alone) gives.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "check.h"
#include "core/json_tape.h"
#include "core/stream_json.h"

using namespace drover;
using drover::fuzz::has_control;
using drover::fuzz::printable_ascii;
using drover::fuzz::valid_utf8;

namespace {

constexpr std::size_t kShortViewBytes = 200;  // stream_json.cpp's budget for short views

// Lines as a plain split on '\n' sees them; a final piece without '\n' counts when it is
// not empty (LineSplitter::finish).
std::vector<std::string_view> reference_lines(std::string_view in) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  for (std::size_t i = 0; i < in.size(); ++i)
    if (in[i] == '\n') {
      out.push_back(in.substr(start, i - start));
      start = i + 1;
    }
  if (start < in.size()) out.push_back(in.substr(start));
  return out;
}

// A small deterministic generator so a given input always chunks the same way.
struct Rng {
  std::uint64_t state;
  std::uint32_t next() {
    state ^= state << 13;
    state ^= state >> 7;
    state ^= state << 17;
    return static_cast<std::uint32_t>(state >> 11);
  }
};

// Feeds `in` in chunks of random sizes (some empty), sometimes taking lines between
// chunks and sometimes only at the end.
std::vector<LineSplitter::Line> split(std::string_view in, std::size_t cap, Rng rng) {
  LineSplitter splitter(cap);
  std::vector<LineSplitter::Line> lines;
  auto drain = [&] {
    while (auto line = splitter.next()) lines.push_back(std::move(*line));
  };
  while (!in.empty()) {
    std::uint32_t r = rng.next();
    std::size_t n = r % 4 == 0 ? 0 : r % 4 == 1 ? 1 + r / 4 % 8 : 1 + r / 4 % 700;
    n = std::min(n, in.size());
    splitter.feed(in.substr(0, n));
    in.remove_prefix(n);
    if (rng.next() % 2 == 0) drain();
  }
  splitter.finish();
  drain();
  return lines;
}

void check_split(std::string_view in, std::size_t cap, Rng rng) {
  std::vector<LineSplitter::Line> lines = split(in, cap, rng);
  std::vector<std::string_view> ref = reference_lines(in);
  FUZZ_CHECK(lines.size() == ref.size());
  std::size_t total = 0, newlines = 0;
  for (std::size_t i = 0; i < lines.size(); ++i) {
    const LineSplitter::Line& line = lines[i];
    FUZZ_CHECK(line.original_bytes == ref[i].size());
    FUZZ_CHECK(line.text.size() <= cap);
    FUZZ_CHECK(line.truncated == (ref[i].size() > cap));
    FUZZ_CHECK(line.text == ref[i].substr(0, cap));
    total += line.original_bytes;
  }
  for (char c : in) newlines += c == '\n';
  FUZZ_CHECK(total + newlines == in.size());
}

bool blank(std::string_view line) {
  for (char c : line)
    if (c != ' ' && c != '\t' && c != '\r' && c != '\n' && c != '\f' && c != '\v') return false;
  return true;
}

void check_short_view(std::string_view view) {
  FUZZ_CHECK(view.size() <= kShortViewBytes);
  FUZZ_CHECK(valid_utf8(view));
  FUZZ_CHECK(!has_control(view));
  FUZZ_CHECK(view.find("  ") == std::string_view::npos);
  FUZZ_CHECK(view.empty() || (view.front() != ' ' && view.back() != ' '));
}

bool same_event(const StreamEvent& a, const StreamEvent& b) {
  return a.kind == b.kind && a.session_id == b.session_id && a.model == b.model &&
         a.text == b.text && a.tool_name == b.tool_name && a.tool_id == b.tool_id &&
         a.tool_input == b.tool_input && a.is_error == b.is_error &&
         a.duration_ms == b.duration_ms && a.num_turns == b.num_turns &&
         a.total_cost_usd == b.total_cost_usd && a.input_tokens == b.input_tokens &&
         a.output_tokens == b.output_tokens && a.cache_read_tokens == b.cache_read_tokens &&
         a.cache_creation_tokens == b.cache_creation_tokens && a.subtype == b.subtype &&
         a.error == b.error && a.api_error == b.api_error;
}

void check_parsed(std::string_view line) {
  ParsedLine parsed = parse_stream_line(line);  // an exception aborts the run
  if (JsonTape::parse(line)) FUZZ_CHECK(nlohmann::json::accept(line));
  ParsedLine tree = parse_stream_line_tree(line);
  FUZZ_CHECK(parsed.session_id == tree.session_id && parsed.ignored == tree.ignored);
  FUZZ_CHECK(parsed.events.size() == tree.events.size());
  for (std::size_t i = 0; i < parsed.events.size() && i < tree.events.size(); ++i)
    FUZZ_CHECK(same_event(parsed.events[i], tree.events[i]));
  if (blank(line)) {
    FUZZ_CHECK(parsed.events.empty() && !parsed.ignored && parsed.session_id.empty());
    return;
  }
  if (parsed.ignored) FUZZ_CHECK(parsed.events.empty());
  FUZZ_CHECK(valid_utf8(parsed.session_id));
  int results = 0;
  for (const StreamEvent& e : parsed.events) {
    if (e.kind == StreamEventKind::malformed) {
      FUZZ_CHECK(parsed.events.size() == 1 && !parsed.ignored && parsed.session_id.empty());
      FUZZ_CHECK(!e.error.empty() && e.error.size() <= 256 && printable_ascii(e.error));
      continue;
    }
    FUZZ_CHECK(e.error.empty());
    FUZZ_CHECK(e.session_id == parsed.session_id);
    for (const std::string* s : {&e.model, &e.text, &e.tool_name, &e.tool_id, &e.subtype})
      FUZZ_CHECK(valid_utf8(*s));
    if (e.kind == StreamEventKind::tool_start) check_short_view(e.tool_input);
    else FUZZ_CHECK(e.tool_input.empty());
    if (e.kind == StreamEventKind::tool_end) check_short_view(e.text);
    if (e.kind == StreamEventKind::assistant_text) FUZZ_CHECK(!e.text.empty());
    if (e.kind == StreamEventKind::result) ++results;
    if (e.kind == StreamEventKind::session_start) FUZZ_CHECK(parsed.events.size() == 1);
  }
  FUZZ_CHECK(results <= 1);
  if (results == 1) FUZZ_CHECK(parsed.events.size() == 1);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view in(reinterpret_cast<const char*>(data), size);
  std::uint64_t seed = 0x9E3779B97F4A7C15ull ^ size;
  for (std::size_t i = 0; i < size && i < 16; ++i) seed = seed * 131 + data[i];
  Rng rng{seed | 1};

  // A cap no line reaches, then one most lines exceed.
  check_split(in, std::size_t{1} << 24, rng);
  check_split(in, 1 + size % 61, Rng{rng.next() | 1ull});

  for (std::string_view line : reference_lines(in)) check_parsed(line);
  return 0;
}
