// The stream-json line mapping (SPEC §5.2): one rule at a time, and hostile input.
#include <doctest/doctest.h>

#include <cstdint>
#include <string>

#include <nlohmann/json.hpp>

#include "core/stream_json.h"

using drover::parse_stream_line;
using drover::ParsedLine;
using drover::StreamEvent;
using Kind = drover::StreamEventKind;

namespace {

// True when s is well-formed UTF-8 (no overlong or surrogate checks needed here).
bool valid_utf8(const std::string& s) {
  std::size_t i = 0;
  while (i < s.size()) {
    auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80           ? 1
                    : (c >> 5) == 0x6  ? 2
                    : (c >> 4) == 0xE  ? 3
                    : (c >> 3) == 0x1E ? 4
                                       : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k)
      if ((static_cast<unsigned char>(s[i + k]) & 0xC0) != 0x80) return false;
    i += n;
  }
  return true;
}

bool printable_ascii(const std::string& s) {
  for (char c : s)
    if (static_cast<unsigned char>(c) < 0x20 || static_cast<unsigned char>(c) >= 0x7F) return false;
  return true;
}

StreamEvent only_event(const ParsedLine& p) {
  REQUIRE(p.events.size() == 1);
  return p.events[0];
}

std::string tool_input_of(const std::string& name, const std::string& input_json) {
  ParsedLine p = parse_stream_line(
      R"({"type":"assistant","message":{"content":[{"type":"tool_use","id":"t1","name":")" + name +
      R"(","input":)" + input_json + "}]}}");
  StreamEvent e = only_event(p);
  CHECK(e.kind == Kind::tool_start);
  return e.tool_input;
}

std::string tool_result_text(const std::string& content_json) {
  ParsedLine p = parse_stream_line(
      R"({"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t1","content":)" +
      content_json + "}]}}");
  StreamEvent e = only_event(p);
  CHECK(e.kind == Kind::tool_end);
  return e.text;
}

}  // namespace

TEST_CASE("stream_json: blank lines give no events and are not ignored") {
  for (const char* line : {"", " ", "\t", "\r", "  \t \r", "\n", "\f\v"}) {
    CAPTURE(line);
    ParsedLine p = parse_stream_line(line);
    CHECK(p.events.empty());
    CHECK_FALSE(p.ignored);
    CHECK(p.session_id.empty());
  }
}

TEST_CASE("stream_json: invalid JSON is one malformed event with a printable reason") {
  for (std::string line :
       {std::string("not json"), std::string("{\"type\":"),
        std::string("{\"type\":\"assistant\"} trailing"), std::string("\xff\xfe{"),
        std::string("{\"a\":\"\xc3\"}"), std::string("{\"type\":\"result\",\"result\":\"\xff\"}"),
        std::string("{'type':'result'}"), std::string("\x1b[31m{}")}) {
    CAPTURE(line);
    ParsedLine p;
    CHECK_NOTHROW(p = parse_stream_line(line));
    StreamEvent e = only_event(p);
    CHECK(e.kind == Kind::malformed);
    CHECK_FALSE(e.error.empty());
    CHECK(printable_ascii(e.error));
    CHECK(e.error.size() < 300);
    CHECK_FALSE(p.ignored);
    CHECK(p.session_id.empty());
  }
}

TEST_CASE("stream_json: JSON that is not an object is malformed") {
  for (const char* line : {"[1,2]", "42", "\"text\"", "null", "true", "[]"}) {
    CAPTURE(line);
    StreamEvent e = only_event(parse_stream_line(line));
    CHECK(e.kind == Kind::malformed);
    CHECK(e.error.find("object") != std::string::npos);
  }
}

TEST_CASE("stream_json: system/init is a session start") {
  ParsedLine p = parse_stream_line(
      R"({"type":"system","subtype":"init","cwd":"/p","session_id":"s-1","model":"claude-x","tools":["Bash"]})");
  CHECK(p.session_id == "s-1");
  CHECK_FALSE(p.ignored);
  StreamEvent e = only_event(p);
  CHECK(e.kind == Kind::session_start);
  CHECK(e.session_id == "s-1");
  CHECK(e.model == "claude-x");
  CHECK(e.subtype == "init");
}

TEST_CASE("stream_json: other system subtypes are ignored but keep the session id") {
  ParsedLine p =
      parse_stream_line(R"({"type":"system","subtype":"compact_boundary","session_id":"s-2"})");
  CHECK(p.events.empty());
  CHECK(p.ignored);
  CHECK(p.session_id == "s-2");
  CHECK(parse_stream_line(R"({"type":"system"})").ignored);
}

TEST_CASE("stream_json: assistant blocks map in order, thinking is skipped") {
  ParsedLine p = parse_stream_line(
      R"({"type":"assistant","session_id":"s-3","message":{"role":"assistant","content":[)"
      R"({"type":"thinking","thinking":"hmm","signature":"x"},)"
      R"({"type":"text","text":"Running it."},)"
      R"({"type":"redacted_thinking","data":"zz"},)"
      R"({"type":"tool_use","id":"toolu_1","name":"Bash","input":{"command":"ls -la","description":"List"}},)"
      R"({"type":"text","text":"Second."}]}})");
  CHECK_FALSE(p.ignored);
  REQUIRE(p.events.size() == 3);
  CHECK(p.events[0].kind == Kind::assistant_text);
  CHECK(p.events[0].text == "Running it.");
  CHECK(p.events[1].kind == Kind::tool_start);
  CHECK(p.events[1].tool_name == "Bash");
  CHECK(p.events[1].tool_id == "toolu_1");
  CHECK(p.events[1].tool_input == "ls -la");
  CHECK(p.events[2].kind == Kind::assistant_text);
  CHECK(p.events[2].text == "Second.");
  for (const auto& e : p.events) CHECK(e.session_id == "s-3");
}

TEST_CASE("stream_json: assistant text is kept whole, empty text blocks are dropped") {
  std::string multi = "line one\\nline two\\t\\u00e9";
  StreamEvent e = only_event(
      parse_stream_line(R"({"type":"assistant","message":{"content":[{"type":"text","text":")" +
                        multi + R"("},{"type":"text","text":""}]}})"));
  CHECK(e.text == "line one\nline two\t\xc3\xa9");
  CHECK(parse_stream_line(R"({"type":"assistant","message":{"content":[]}})").events.empty());
  CHECK_FALSE(parse_stream_line(R"({"type":"assistant","message":{"content":[]}})").ignored);
}

TEST_CASE("stream_json: tool input prefers the obvious key of common tools") {
  CHECK(tool_input_of("Bash", R"({"command":"make test","timeout":60000})") == "make test");
  CHECK(tool_input_of("Read", R"({"file_path":"/p/a.cpp","offset":3})") == "/p/a.cpp");
  CHECK(tool_input_of("Write", R"({"file_path":"/p/b.txt","content":"big\nbody"})") == "/p/b.txt");
  CHECK(tool_input_of("Edit", R"({"old_string":"a","new_string":"b","file_path":"/p/c"})") ==
        "/p/c");
  CHECK(tool_input_of("Grep", R"({"pattern":"TODO","path":"src"})") == "TODO");
  CHECK(tool_input_of("Glob", R"({"pattern":"**/*.h"})") == "**/*.h");
  CHECK(tool_input_of("LS", R"({"path":"/p"})") == "/p");
  CHECK(tool_input_of("WebFetch", R"({"url":"https://example.com","prompt":"sum"})") ==
        "https://example.com");
  CHECK(tool_input_of("WebSearch", R"({"query":"drover"})") == "drover");
  CHECK(tool_input_of("Task", R"({"description":"Explore","prompt":"long"})") == "Explore");
}

TEST_CASE("stream_json: other tool input is compact JSON on one line") {
  CHECK(tool_input_of("mcp__x__y", R"({ "a" : 1, "b" : [true, null] })") ==
        R"({"a":1,"b":[true,null]})");
  CHECK(tool_input_of("Odd", R"({"command":5})") == R"({"command":5})");
  CHECK(tool_input_of("Odd", R"("just text")") == "just text");
  CHECK(tool_input_of("Odd", "[1,2]") == "[1,2]");
  CHECK(tool_input_of("Odd", "null").empty());
  StreamEvent no_input = only_event(parse_stream_line(
      R"({"type":"assistant","message":{"content":[{"type":"tool_use","id":"t","name":"X"}]}})"));
  CHECK(no_input.tool_input.empty());
}

TEST_CASE("stream_json: tool input becomes one short line without split UTF-8") {
  CHECK(tool_input_of("Bash", R"({"command":"  cd /p &&\n\tmake\r\n  test  "})") ==
        "cd /p && make test");
  std::string long_cmd(5000, 'x');
  std::string view = tool_input_of("Bash", R"({"command":")" + long_cmd + R"("})");
  CHECK(view.size() <= 200);
  CHECK(view.size() >= 150);
  CHECK(view.find("\xE2\x80\xA6") != std::string::npos);
  std::string accents;
  for (int i = 0; i < 400; ++i) accents += "\xC3\xA9";  // é, two bytes
  for (std::string prefix : {"", "a", "ab"}) {
    std::string v = tool_input_of("Bash", R"({"command":")" + prefix + accents + R"("})");
    CHECK(v.size() <= 200);
    CHECK(valid_utf8(v));
  }
  std::string big_json = R"({"blob":")" + std::string(10000, 'y') + R"("})";
  std::string v = tool_input_of("Custom", big_json);
  CHECK(v.size() <= 200);
  CHECK(v.rfind(R"({"blob":"yyy)", 0) == 0);
}

TEST_CASE("stream_json: user tool_result is a tool end") {
  ParsedLine p = parse_stream_line(
      R"({"type":"user","session_id":"s-4","message":{"role":"user","content":[)"
      R"({"type":"tool_result","tool_use_id":"toolu_1","content":"ok\nfine","is_error":false},)"
      R"({"type":"text","text":"not a result"},)"
      R"({"type":"tool_result","tool_use_id":"toolu_2","content":"boom","is_error":true}]}})");
  CHECK(p.session_id == "s-4");
  REQUIRE(p.events.size() == 2);
  CHECK(p.events[0].kind == Kind::tool_end);
  CHECK(p.events[0].tool_id == "toolu_1");
  CHECK(p.events[0].text == "ok fine");
  CHECK_FALSE(p.events[0].is_error);
  CHECK(p.events[0].session_id == "s-4");
  CHECK(p.events[1].tool_id == "toolu_2");
  CHECK(p.events[1].text == "boom");
  CHECK(p.events[1].is_error);
}

TEST_CASE("stream_json: tool_result content as string, blocks, or nothing") {
  CHECK(tool_result_text(R"("plain")") == "plain");
  CHECK(tool_result_text(R"([{"type":"text","text":"one"},{"type":"text","text":"two"}])") ==
        "one two");
  CHECK(tool_result_text(R"([{"type":"image","source":{}},{"type":"text","text":"cap"}])") ==
        "[image] cap");
  CHECK(tool_result_text("[]").empty());
  CHECK(tool_result_text("null").empty());
  CHECK(tool_result_text(R"({"odd":1})") == R"({"odd":1})");
  std::string big = tool_result_text("\"" + std::string(100000, 'z') + "\"");
  CHECK(big.size() <= 200);
  std::string many = "[";
  for (int i = 0; i < 1000; ++i)
    many += std::string(i ? "," : "") + R"({"type":"text","text":"abc"})";
  CHECK(tool_result_text(many + "]").size() <= 200);
  StreamEvent none = only_event(parse_stream_line(
      R"({"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":"t9"}]}})"));
  CHECK(none.text.empty());
  CHECK(none.tool_id == "t9");
}

TEST_CASE("stream_json: user lines without tool results give nothing and are not ignored") {
  ParsedLine p =
      parse_stream_line(R"({"type":"user","message":{"content":[{"type":"text","text":"hi"}]}})");
  CHECK(p.events.empty());
  CHECK_FALSE(p.ignored);
  CHECK(parse_stream_line(R"({"type":"user","message":{"content":"hi"}})").events.empty());
}

TEST_CASE("stream_json: result carries outcome, cost and tokens") {
  ParsedLine p = parse_stream_line(
      R"({"type":"result","subtype":"success","is_error":false,"duration_ms":1234,"num_turns":3,)"
      R"("result":"All done.","session_id":"s-5","total_cost_usd":0.0421,)"
      R"("usage":{"input_tokens":10,"output_tokens":20,"cache_read_input_tokens":30,"cache_creation_input_tokens":40}})");
  StreamEvent e = only_event(p);
  CHECK(e.kind == Kind::result);
  CHECK_FALSE(e.is_error);
  CHECK(e.subtype == "success");
  CHECK(e.text == "All done.");
  CHECK(e.session_id == "s-5");
  CHECK(e.duration_ms == 1234);
  CHECK(e.num_turns == 3);
  REQUIRE(e.total_cost_usd.has_value());
  CHECK(*e.total_cost_usd == doctest::Approx(0.0421));
  CHECK(e.input_tokens == 10);
  CHECK(e.output_tokens == 20);
  CHECK(e.cache_read_tokens == 30);
  CHECK(e.cache_creation_tokens == 40);
}

TEST_CASE("stream_json: a result is judged by is_error alone, never by subtype") {
  CHECK(only_event(parse_stream_line(R"({"type":"result","subtype":"success","is_error":true})"))
            .is_error);
  CHECK_FALSE(only_event(parse_stream_line(
                             R"({"type":"result","subtype":"error_max_turns","is_error":false})"))
                  .is_error);
  CHECK_FALSE(
      only_event(parse_stream_line(R"({"type":"result","subtype":"error_during_execution"})"))
          .is_error);
}

TEST_CASE("stream_json: result text falls back to the joined errors") {
  CHECK(only_event(parse_stream_line(R"({"type":"result","is_error":true,"errors":["a","b",3]})"))
            .text == "a; b; 3");
  CHECK(only_event(parse_stream_line(R"({"type":"result","result":"r","errors":["a"]})")).text ==
        "r");
  StreamEvent bare = only_event(parse_stream_line(R"({"type":"result"})"));
  CHECK(bare.text.empty());
  CHECK_FALSE(bare.duration_ms.has_value());
  CHECK_FALSE(bare.num_turns.has_value());
  CHECK_FALSE(bare.total_cost_usd.has_value());
  CHECK_FALSE(bare.input_tokens.has_value());
  CHECK_FALSE(bare.cache_creation_tokens.has_value());
}

TEST_CASE("stream_json: unknown or missing types are ignored") {
  for (const char* line :
       {R"({"type":"stream_event","event":{},"session_id":"s-6"})",
        R"({"type":"rate_limit_event","session_id":"s-6"})", R"({"session_id":"s-6"})",
        R"({"type":7,"session_id":"s-6"})", R"({"type":"","session_id":"s-6"})",
        R"({"type":"RESULT","session_id":"s-6"})"}) {
    CAPTURE(line);
    ParsedLine p = parse_stream_line(line);
    CHECK(p.events.empty());
    CHECK(p.ignored);
    CHECK(p.session_id == "s-6");
  }
  CHECK(parse_stream_line("{}").ignored);
}

TEST_CASE("stream_json: only a non-empty top-level session_id string counts") {
  CHECK(parse_stream_line(R"({"type":"result","session_id":5})").session_id.empty());
  CHECK(parse_stream_line(R"({"type":"result","session_id":""})").session_id.empty());
  CHECK(parse_stream_line(R"({"type":"result","session_id":null})").session_id.empty());
  ParsedLine nested = parse_stream_line(
      R"({"type":"assistant","message":{"session_id":"inner","content":[{"type":"text","text":"t"}]}})");
  CHECK(nested.session_id.empty());
  CHECK(only_event(nested).session_id.empty());
}

TEST_CASE("stream_json: wrong-typed fields never throw") {
  const char* lines[] = {
      R"({"type":"assistant","message":7})",
      R"({"type":"assistant","message":{"content":"plain string"}})",
      R"({"type":"assistant","message":{"content":{"type":"text"}}})",
      R"({"type":"assistant","message":{"content":[1,null,"x",[],{"type":5}]}})",
      R"({"type":"assistant","message":{"content":[{"type":"text","text":5}]}})",
      R"({"type":"assistant","message":{"content":[{"type":"tool_use","name":[],"id":{},"input":7}]}})",
      R"({"type":"user","message":{"content":"str"}})",
      R"({"type":"user","message":{"content":[{"type":"tool_result","tool_use_id":1,"content":5,"is_error":"yes"}]}})",
      R"({"type":"user","message":[]})",
      R"({"type":"system","subtype":"init","session_id":5,"model":{}})",
      R"({"type":"system","subtype":["init"]})",
      R"({"type":"result","is_error":"true","usage":[],"num_turns":"3","total_cost_usd":"0.1","errors":"x"})",
      R"({"type":"result","result":5,"subtype":9,"duration_ms":1e300,"num_turns":-1e300,"usage":{"input_tokens":"9"}})",
      R"({"type":"result","duration_ms":18446744073709551615,"num_turns":-9223372036854775808,"usage":{"output_tokens":2.7}})",
      R"({"type":"result","errors":[null,{},[]]})",
  };
  for (const char* line : lines) {
    CAPTURE(line);
    CHECK_NOTHROW(parse_stream_line(line));
  }
  StreamEvent r = only_event(parse_stream_line(lines[11]));
  CHECK_FALSE(r.is_error);
  CHECK_FALSE(r.num_turns.has_value());
  CHECK_FALSE(r.total_cost_usd.has_value());
  CHECK_FALSE(r.input_tokens.has_value());
  StreamEvent big = only_event(parse_stream_line(lines[13]));
  CHECK(big.duration_ms == INT64_MAX);
  CHECK(big.num_turns == INT64_MIN);
  CHECK(big.output_tokens == 2);
  CHECK_FALSE(only_event(parse_stream_line(lines[12])).duration_ms.has_value());
  CHECK(only_event(parse_stream_line(lines[1])).text == "plain string");
  StreamEvent init = only_event(parse_stream_line(lines[9]));
  CHECK(init.kind == Kind::session_start);
  CHECK(init.session_id.empty());
  CHECK(init.model.empty());
}

TEST_CASE("stream_json: a 1 MiB line parses whole") {
  std::string text(1 << 20, 'a');
  ParsedLine p = parse_stream_line(
      R"({"type":"assistant","session_id":"big","message":{"content":[{"type":"text","text":")" +
      text + R"("}]}})");
  StreamEvent e = only_event(p);
  CHECK(e.kind == Kind::assistant_text);
  CHECK(e.text.size() == text.size());
  std::string garbage(1 << 20, '{');
  StreamEvent bad = only_event(parse_stream_line(garbage));
  CHECK(bad.kind == Kind::malformed);
  CHECK(bad.error.size() < 300);
}

TEST_CASE("stream_json: deep nesting does not crash") {
  std::string deep = std::string(100000, '[') + std::string(100000, ']');
  CHECK(only_event(parse_stream_line(deep)).kind == Kind::malformed);
  std::string obj = R"({"type":"x","a":)";
  for (int i = 0; i < 50000; ++i) obj += R"({"a":)";
  obj += "1" + std::string(50001, '}');
  CHECK(parse_stream_line(obj).ignored);
}

// Seen while writing fuzz/stream_json_fuzz.cpp, reproduced with it
// (fixtures/fuzz/stream_json/regression-deep-*): the
// short views and the joined errors re-serialised the value with nlohmann's dump(), which
// recurses once per level, so one 200 KB line from an agent overflowed the stack.
TEST_CASE("stream_json: deeply nested tool input, tool result and errors are rendered") {
  const int depth = 200000;
  std::string brackets = std::string(depth, '[') + std::string(depth, ']');
  std::string input = tool_input_of("Custom", brackets);
  CHECK(input.size() <= 200);
  CHECK(input.rfind("[[[[", 0) == 0);
  std::string result = tool_result_text(R"({"x":)" + brackets + "}");
  CHECK(result.rfind(R"({"x":[[[)", 0) == 0);

  std::string nested;
  for (int i = 0; i < depth; ++i) nested += R"({"a":)";
  nested += "1" + std::string(depth, '}');
  StreamEvent e =
      only_event(parse_stream_line(R"({"type":"result","errors":["first",)" + nested + "]}"));
  CHECK(e.kind == Kind::result);
  CHECK(e.text == "first; " + nested);
}

TEST_CASE("stream_json: the compact view is exactly nlohmann's compact dump") {
  for (std::string value :
       {R"({})", R"([])", R"([{}, [], {"": []}])", R"({"b": 1, "a": [1, -2, 3.5e300]})",
        R"({"k\"ey": "v\\al", "e": "\u001b[31m", "u": "caf\u00e9\ud83d\ude00"})",
        R"([true, false, null, 0, -0.0, 1e-7, 18446744073709551615, -9223372036854775808])",
        R"({"nested": {"deeper": {"deepest": [[1], [2, [3]]]}}})"}) {
    CAPTURE(value);
    std::string dumped = nlohmann::json::parse(value).dump();
    REQUIRE(dumped.size() <= 200);  // short enough to be shown whole
    CHECK(tool_input_of("Custom", value) == dumped);
  }
}
