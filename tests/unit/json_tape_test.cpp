// core/json_tape.h: JSON checked and indexed without a tree, and what it must agree with:
// nlohmann on what is JSON and what a string says, and parse_stream_line on every line
// read through it (core/stream_json.h).
#include "core/json_tape.h"
#include "core/stream_event_record.h"

#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <sstream>
#include <string>
#include <vector>

#include "core/stream_json.h"
#include "fixtures_dir.h"

using drover::JsonTape;
using Kind = drover::JsonTape::Kind;

namespace {

std::vector<std::string> corpus_lines() {
  std::vector<std::string> lines;
  namespace fs = std::filesystem;
  for (const char* dir : {"transcripts", "transcripts/real", "fuzz/stream_json"}) {
    for (const auto& entry : fs::directory_iterator(fs::path(drover_fixtures_dir()) / dir)) {
      if (!entry.is_regular_file()) continue;
      std::ifstream in(entry.path(), std::ios::binary);
      std::string line;
      while (std::getline(in, line)) lines.push_back(line);
    }
  }
  return lines;
}

// One byte changed, removed, doubled or replaced by a character JSON cares about.
std::string mutate(std::string s, std::mt19937& rng) {
  static const std::string kSpecial = "{}[]\",:\\ntfu0-+.eE \t\x01\x7f\xc3\xa9\xed\xa0\x80\xff";
  if (s.empty()) return s;
  std::size_t at = rng() % s.size();
  switch (rng() % 4) {
    case 0: s[at] = kSpecial[rng() % kSpecial.size()]; break;
    case 1: s.erase(at, 1); break;
    case 2: s.insert(at, 1, s[at]); break;
    default: s.insert(at, 1, kSpecial[rng() % kSpecial.size()]); break;
  }
  return s;
}

bool same(const drover::ParsedLine& a, const drover::ParsedLine& b) {
  if (a.session_id != b.session_id || a.ignored != b.ignored) return false;
  if (a.events.size() != b.events.size()) return false;
  for (std::size_t i = 0; i < a.events.size(); ++i) {
    const auto &x = a.events[i], &y = b.events[i];
    if (x.kind != y.kind || x.session_id != y.session_id || x.text != y.text ||
        x.tool_name != y.tool_name || x.tool_id != y.tool_id || x.tool_input != y.tool_input ||
        x.is_error != y.is_error || x.error != y.error || x.api_error != y.api_error ||
        x.model != y.model || x.subtype != y.subtype)
      return false;
  }
  return true;
}

}  // namespace

TEST_CASE("json tape: accepts what nlohmann accepts, and strings decode the same") {
  const char* valid[] = {
      R"({"a":1})",
      R"(  [1, -0, 0.5, -1.25e+10, 3E-2, true, false, null, "x", {}, []]  )",
      R"({"k":"tab\there \"q\" \\ \/ \b\f\n\r \u00e9 \u20ac \ud83d\ude00 \u0000"})",
      "{\"utf8\":\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80 \xed\x9f\xbf\"}",
      R"({"dup":1,"dup":2})",
      R"("just a string")",
      "12345678901234567890123",
  };
  for (const char* text : valid) {
    CAPTURE(text);
    REQUIRE(nlohmann::json::accept(text));
    auto tape = JsonTape::parse(text);
    REQUIRE(tape);
  }
  auto tape = JsonTape::parse(valid[2]);
  CHECK(tape->root().member("k").string() ==
        nlohmann::json::parse(valid[2])["k"].get<std::string>());
  auto utf8 = JsonTape::parse(valid[3]);
  CHECK(utf8->root().member("utf8").string() ==
        nlohmann::json::parse(valid[3])["utf8"].get<std::string>());
  // A repeated key: the last value, as nlohmann keeps it.
  CHECK(JsonTape::parse(valid[4])->root().member("dup").text() == "2");

  const char* invalid[] = {
      "",
      "{",
      "{\"a\":}",
      "[1,]",
      "{\"a\":1,}",
      "01",
      "1.",
      ".5",
      "-",
      "+1",
      "1e",
      "tru",
      "nul",
      "[1 2]",
      "{\"a\" 1}",
      "{1:2}",
      "\"\\x\"",
      "\"\\u12\"",
      "\"\\ud800\"",
      "\"\\udc00\"",
      "\"\\ud800\\u0041\"",
      "\"a\x01\"",
      "\"\xc0\xaf\"",
      "\"\xed\xa0\x80\"",
      "\"\xf4\x90\x80\x80\"",
      "\"\xe2\x82\"",
      "\"unterminated",
      "[] []",
      "{\"a\":1}x",
      "\xef\xbb\xbf{}",  // a byte-order mark: refused, nlohmann decides
  };
  for (const char* text : invalid) {
    CAPTURE(text);
    CHECK_FALSE(JsonTape::parse(text));
  }
}

// Found by the stream_json fuzzer: "-1e309" was accepted by the tape and refused by
// nlohmann ("number overflow"), breaking the rule that the tape accepts nothing nlohmann
// refuses.
TEST_CASE("json tape: refuses a number a double cannot hold, as nlohmann does") {
  std::string digits400 = "1" + std::string(400, '0');
  std::string digits299 = "1" + std::string(298, '0');
  for (const std::string& text :
       {std::string("1e309"), std::string("-1e309 \t\n"), std::string("[1, 2E+400]"),
        std::string("{\"n\":-0.5e999}"), digits400, "-" + digits400 + ".5"}) {
    CAPTURE(text);
    CHECK_FALSE(nlohmann::json::accept(text));
    CHECK_FALSE(JsonTape::parse(text));
  }
  // At the edges, both accept: the largest double, an underflow to 0, long integers.
  for (const std::string& text : {std::string("1.7976931348623157e308"), std::string("1e-400"),
                                  std::string("-4.9e-324"), digits299, digits299 + "e2"}) {
    CAPTURE(text);
    CHECK(nlohmann::json::accept(text));
    CHECK(JsonTape::parse(text));
  }
}

TEST_CASE("json tape: members, elements and kinds read from the index") {
  auto tape = JsonTape::parse(
      R"({"type":"assistant","message":{"content":[{"type":"text","text":"hi"},7,null]},"n":-2.5,"t":true,"f":false})");
  REQUIRE(tape);
  auto root = tape->root();
  CHECK(root.is(Kind::object));
  CHECK(root.member("type").string() == "assistant");
  CHECK_FALSE(root.member("missing").present());
  CHECK_FALSE(root.member("type").member("x").present());  // not an object
  CHECK(root.member("n").is(Kind::number));
  CHECK(root.member("n").text() == "-2.5");
  CHECK(root.member("t").is_true());
  CHECK_FALSE(root.member("f").is_true());
  CHECK(root.member("n").string().empty());  // not a string
  std::vector<std::string> seen;
  root.member("message").member("content").each([&](JsonTape::View v) {
    seen.push_back(v.is(Kind::object) ? "object:" + v.member("text").string()
                                      : std::string(v.text()));
  });
  CHECK(seen == std::vector<std::string>{"object:hi", "7", "null"});
  CHECK(root.member("message").text() == R"({"content":[{"type":"text","text":"hi"},7,null]})");
}

TEST_CASE("json tape: nesting 200,000 deep costs no stack") {
  std::string deep(200000, '[');
  deep += std::string(200000, ']');
  auto tape = JsonTape::parse(deep);
  REQUIRE(tape);
  CHECK(tape->root().is(Kind::array));
  CHECK_FALSE(JsonTape::parse(std::string(200000, '[')));
}

TEST_CASE(
    "json tape: parse_stream_line agrees with nlohmann's tree on every recorded line and "
    "8,000 mutations of them") {
  std::vector<std::string> lines = corpus_lines();
  REQUIRE(lines.size() > 20);
  std::mt19937 rng(20261205);  // fixed: a failure names a reproducible case
  int tape_accepted = 0, checked = 0;
  for (int round = 0; round < 8000; ++round) {
    const std::string& base = lines[rng() % lines.size()];
    std::string line = round < static_cast<int>(lines.size()) ? lines[round] : mutate(base, rng);
    if (rng() % 3 == 0) line = mutate(line, rng);
    CAPTURE(line);
    if (JsonTape::parse(line)) {
      ++tape_accepted;
      REQUIRE(nlohmann::json::accept(line));
    }
    auto parsed = drover::parse_stream_line(line);
    REQUIRE(same(parsed, drover::parse_stream_line_tree(line)));
    // What is stored for each event: written directly, the same text as the tree's dump.
    for (const auto& e : parsed.events)
      REQUIRE(drover::stream_event_data_text(e) ==
              drover::stream_event_data(e).dump(-1, ' ', false,
                                                nlohmann::json::error_handler_t::replace));
    ++checked;
  }
  CHECK(checked == 8000);
  CHECK(tape_accepted > 400);  // the comparison covered the fast path, not only refusals
}
