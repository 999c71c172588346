// Whole transcripts through LineSplitter + parse_stream_line: our fixtures, the real
// Claude Code captures, and the splitter's own edge cases.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#if __has_include(<malloc.h>)
#include <malloc.h>
#endif

#include "core/stream_json.h"
#include "fixtures_dir.h"

using drover::LineSplitter;
using drover::parse_stream_line;
using drover::StreamEvent;
using Kind = drover::StreamEventKind;

namespace {

constexpr std::size_t kDefaultCap = 16u << 20;

std::string read_fixture(const std::string& relative) {
  std::ifstream in(std::filesystem::path(drover_fixtures_dir()) / "transcripts" / relative,
                   std::ios::binary);
  REQUIRE_MESSAGE(in.good(), "missing fixture " << relative);
  std::ostringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

std::vector<LineSplitter::Line> split(const std::string& bytes, std::size_t chunk,
                                      std::size_t cap = kDefaultCap) {
  LineSplitter splitter(cap);
  std::vector<LineSplitter::Line> lines;
  for (std::size_t at = 0; at < bytes.size(); at += chunk) {
    splitter.feed(std::string_view(bytes).substr(at, chunk));
    while (auto line = splitter.next()) lines.push_back(std::move(*line));
  }
  splitter.finish();
  while (auto line = splitter.next()) lines.push_back(std::move(*line));
  return lines;
}

struct Transcript {
  std::size_t lines = 0, blank = 0, ignored = 0;
  std::vector<StreamEvent> events;
  std::map<Kind, int> count;
  std::string first_session_id;

  const StreamEvent& first(Kind kind) const {
    for (const auto& e : events)
      if (e.kind == kind) return e;
    FAIL("no event of that kind");
    return events.front();
  }
};

Transcript run(const std::string& relative) {
  Transcript t;
  for (const auto& line : split(read_fixture(relative), 4096)) {
    ++t.lines;
    CHECK_FALSE(line.truncated);
    auto parsed = parse_stream_line(line.text);
    if (parsed.events.empty() && !parsed.ignored) ++t.blank;
    if (parsed.ignored) ++t.ignored;
    if (t.first_session_id.empty()) t.first_session_id = parsed.session_id;
    for (auto& e : parsed.events) {
      ++t.count[e.kind];
      t.events.push_back(std::move(e));
    }
  }
  return t;
}

std::size_t heap_in_use() {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 33))
  struct mallinfo2 info = mallinfo2();
  return info.uordblks + info.hblkhd;  // small blocks + mmapped large blocks
#else
  return 0;
#endif
}

}  // namespace

TEST_CASE("transcripts: a successful turn with tools") {
  Transcript t = run("success-turn.ndjson");
  const std::string sid = "7b3e9f2a-5c41-4d8e-9a60-2f1c8d4e6b37";
  CHECK(t.lines == 9);
  CHECK(t.ignored == 0);
  CHECK(t.events.size() == 8);
  CHECK(t.count[Kind::session_start] == 1);
  CHECK(t.count[Kind::assistant_text] == 2);
  CHECK(t.count[Kind::tool_start] == 2);
  CHECK(t.count[Kind::tool_end] == 2);
  CHECK(t.count[Kind::result] == 1);
  CHECK(t.count[Kind::malformed] == 0);
  CHECK(t.first_session_id == sid);
  for (const auto& e : t.events) CHECK(e.session_id == sid);
  CHECK(t.first(Kind::session_start).model == "claude-opus-5-5");
  CHECK(t.first(Kind::assistant_text).text ==
        "I'll run the mail tests first to see whether anything fails.");
  const StreamEvent& bash = t.first(Kind::tool_start);
  CHECK(bash.tool_name == "Bash");
  CHECK(bash.tool_id == "toolu_01HxK7mQ2vN8pR4sT6wY9zB3");
  CHECK(bash.tool_input ==
        "cd /home/user/project && ctest --test-dir build --output-on-failure -R mail");
  CHECK(t.events[4].tool_name == "Read");
  CHECK(t.events[4].tool_input == "/home/user/project/src/store/mail.cpp");
  const StreamEvent& bash_end = t.first(Kind::tool_end);
  CHECK(bash_end.tool_id == bash.tool_id);
  CHECK_FALSE(bash_end.is_error);
  CHECK(bash_end.text.rfind("Test project /home/user/project/build Start 1: mail_send", 0) == 0);
  CHECK(bash_end.text.size() <= 200);
  CHECK(t.events[5].text.rfind("1 #include \"store/mail.h\" 2 3 namespace drover {", 0) == 0);
  const StreamEvent& r = t.first(Kind::result);
  CHECK_FALSE(r.is_error);
  CHECK(r.subtype == "success");
  CHECK(r.text.rfind("Both mail tests pass (2/2).", 0) == 0);
  CHECK(r.duration_ms == 18342);
  CHECK(r.num_turns == 3);
  REQUIRE(r.total_cost_usd.has_value());
  CHECK(*r.total_cost_usd == doctest::Approx(0.0421837));
  CHECK(r.input_tokens == 12);
  CHECK(r.output_tokens == 412);
  CHECK(r.cache_read_tokens == 20480);
  CHECK(r.cache_creation_tokens == 5120);
}

TEST_CASE("transcripts: a turn ending in an error result") {
  Transcript t = run("error-turn.ndjson");
  CHECK(t.lines == 5);
  CHECK(t.events.size() == 5);
  CHECK(t.count[Kind::session_start] == 1);
  CHECK(t.count[Kind::assistant_text] == 1);
  CHECK(t.count[Kind::tool_start] == 1);
  CHECK(t.count[Kind::tool_end] == 1);
  CHECK(t.count[Kind::result] == 1);
  CHECK(t.first_session_id == "e4d1a8c6-0b2f-4f7a-8c39-6a5e1d9b2c40");
  const StreamEvent& end = t.first(Kind::tool_end);
  CHECK(end.is_error);
  CHECK(end.text == "<tool_use_error>File does not exist.</tool_use_error>");
  const StreamEvent& r = t.first(Kind::result);
  CHECK(r.is_error);
  CHECK(r.subtype == "error_max_turns");
  CHECK(r.text == "Reached maximum number of turns (2)");
  CHECK(r.num_turns == 2);
  CHECK(r.duration_ms == 9120);
  REQUIRE(r.total_cost_usd.has_value());
  CHECK(*r.total_cost_usd == doctest::Approx(0.0183));
  CHECK(r.output_tokens == 131);
  CHECK(r.cache_read_tokens == 10240);
}

TEST_CASE("transcripts: unknown types, blank and malformed lines, no final newline") {
  const std::string bytes = read_fixture("noisy-turn.ndjson");
  REQUIRE_FALSE(bytes.empty());
  CHECK(bytes.back() != '\n');
  Transcript t = run("noisy-turn.ndjson");
  CHECK(t.lines == 10);
  CHECK(t.blank == 2);
  CHECK(t.ignored == 4);
  CHECK(t.events.size() == 4);
  CHECK(t.count[Kind::session_start] == 1);
  CHECK(t.count[Kind::assistant_text] == 1);
  CHECK(t.count[Kind::malformed] == 1);
  CHECK(t.count[Kind::result] == 1);
  CHECK(t.first_session_id == "3f8a2c71-9d0e-4b5a-b6c2-71e4a9d03f58");
  CHECK(t.first(Kind::assistant_text).text ==
        "Done \xE2\x80\x94 the worktree is clean. \xE2\x9C\x93");
  CHECK_FALSE(t.first(Kind::malformed).error.empty());
  CHECK(t.first(Kind::malformed).session_id.empty());
  const StreamEvent& r = t.events.back();  // the unterminated last line
  CHECK(r.kind == Kind::result);
  CHECK_FALSE(r.is_error);
  CHECK(r.output_tokens == 27);
}

TEST_CASE("transcripts: real CLI, not logged in: is_error despite subtype success") {
  Transcript t = run("real/claude-2.1.328-not-logged-in.ndjson");
  const std::string sid = "c2a9d34c-4f69-416c-a708-72bec96649e1";
  CHECK(t.lines == 3);
  CHECK(t.events.size() == 3);
  CHECK(t.first_session_id == sid);
  const StreamEvent& init = t.first(Kind::session_start);
  CHECK(init.session_id == sid);
  CHECK(init.model == "claude-opus-5-5");
  CHECK(t.first(Kind::assistant_text).text == "Not logged in \xC2\xB7 Please run /login");
  const StreamEvent& r = t.first(Kind::result);
  CHECK(r.is_error);
  CHECK(r.subtype == "success");
  CHECK(r.text == "Not logged in \xC2\xB7 Please run /login");
  CHECK(r.num_turns == 1);
  CHECK(r.duration_ms == 69);
  CHECK(r.total_cost_usd == 0.0);
  CHECK(r.input_tokens == 0);
  CHECK(r.output_tokens == 0);
  CHECK(r.session_id == sid);
}

TEST_CASE("transcripts: real CLI, resuming a known session returns the same id") {
  Transcript t = run("real/claude-2.1.328-resume-known-session-not-logged-in.ndjson");
  CHECK(t.first_session_id == "c2a9d34c-4f69-416c-a708-72bec96649e1");
  CHECK(t.count[Kind::session_start] == 1);
  CHECK(t.first(Kind::result).is_error);
  CHECK(t.first(Kind::result).duration_ms == 65);
}

TEST_CASE("transcripts: real CLI, resuming an unknown session") {
  Transcript t = run("real/claude-2.1.328-resume-unknown-session.ndjson");
  CHECK(t.lines == 1);
  CHECK(t.count[Kind::session_start] == 0);
  REQUIRE(t.events.size() == 1);
  const StreamEvent& r = t.events[0];
  CHECK(r.kind == Kind::result);
  CHECK(r.is_error);
  CHECK(r.subtype == "error_during_execution");
  CHECK(r.text.find("No conversation found") != std::string::npos);
  CHECK(r.num_turns == 0);
  CHECK(r.session_id == "00000000-0000-0000-0000-000000000000");
}

TEST_CASE("transcripts: real CLI, live input: one answer per message, one session") {
  // Two user messages 4 s apart on one stdin, then an interrupt request with nothing to
  // interrupt: init + answer + result per message, and a control_response (no event).
  Transcript t = run("real/claude-2.1.197-live-input.ndjson");
  CHECK(t.lines == 7);
  CHECK(t.count[Kind::session_start] == 2);
  CHECK(t.count[Kind::result] == 2);
  CHECK(t.count[Kind::malformed] == 0);
  CHECK(t.ignored == 1);  // the control_response
  for (const auto& e : t.events) CHECK(e.session_id == t.first_session_id);
}

TEST_CASE("transcripts: real CLI, an interrupt ends the answer in progress, then the next") {
  // Two messages queued together, an interrupt, a third message: the first two were
  // answered together and cut short (error_during_execution), the third answered.
  Transcript t = run("real/claude-2.1.197-live-input-interrupt.ndjson");
  CHECK(t.count[Kind::result] == 2);
  CHECK(t.count[Kind::malformed] == 0);
  std::vector<const StreamEvent*> results;
  for (const auto& e : t.events)
    if (e.kind == Kind::result) results.push_back(&e);
  REQUIRE(results.size() == 2);
  CHECK(results[0]->is_error);
  CHECK(results[0]->subtype == "error_during_execution");
  CHECK(results[0]->num_turns == 2);
  CHECK(results[1]->subtype == "success");
  CHECK(results[1]->text == "Not logged in \xC2\xB7 Please run /login");
}

TEST_CASE("LineSplitter: any chunking gives the same lines") {
  for (const char* name :
       {"success-turn.ndjson", "noisy-turn.ndjson", "real/claude-2.1.328-not-logged-in.ndjson"}) {
    CAPTURE(name);
    const std::string bytes = read_fixture(name);
    auto whole = split(bytes, bytes.size());
    for (std::size_t chunk : {std::size_t{1}, std::size_t{2}, std::size_t{7}, std::size_t{1000}}) {
      auto pieces = split(bytes, chunk);
      REQUIRE(pieces.size() == whole.size());
      for (std::size_t i = 0; i < whole.size(); ++i) {
        CHECK(pieces[i].text == whole[i].text);
        CHECK(pieces[i].original_bytes == whole[i].text.size());
      }
    }
  }
}

TEST_CASE("LineSplitter: bytes are kept exactly except the newline") {
  auto lines = split("a\r\n\nb\tc \r\nlast", 3);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].text == "a\r");
  CHECK(lines[1].text.empty());
  CHECK(lines[1].original_bytes == 0);
  CHECK(lines[2].text == "b\tc \r");
  CHECK(lines[3].text == "last");
  CHECK_FALSE(lines[3].truncated);
  std::string with_nul("x\0y\n", 4);
  auto nul = split(with_nul, 1);
  REQUIRE(nul.size() == 1);
  CHECK(nul[0].text == std::string("x\0y", 3));
}

TEST_CASE("LineSplitter: empty input and finish") {
  LineSplitter s(100);
  CHECK_FALSE(s.next().has_value());
  s.feed("");
  s.finish();
  CHECK_FALSE(s.next().has_value());
  s.feed("one\n");
  s.finish();
  auto one = s.next();
  REQUIRE(one.has_value());
  CHECK(one->text == "one");
  CHECK_FALSE(s.next().has_value());  // finish added nothing: no partial line
  s.feed("tail");
  CHECK_FALSE(s.next().has_value());  // not complete until finish
  s.finish();
  s.finish();
  auto tail = s.next();
  REQUIRE(tail.has_value());
  CHECK(tail->text == "tail");
  CHECK(tail->original_bytes == 4);
  CHECK_FALSE(s.next().has_value());
  CHECK(split("\n", 1).size() == 1);
}

TEST_CASE("LineSplitter: the cap truncates and counts the original length") {
  // Built by appends: g++ 12 takes the concatenation of temporaries for an overflow
  // (-Warray-bounds) in some unity batches.
  std::string input;
  input.append(10, 'a').append("\n").append(11, 'b').append("\nok\n").append(25, 'c');
  auto lines = split(input, 4, 10);
  REQUIRE(lines.size() == 4);
  CHECK(lines[0].text == std::string(10, 'a'));
  CHECK_FALSE(lines[0].truncated);
  CHECK(lines[0].original_bytes == 10);
  CHECK(lines[1].text == std::string(10, 'b'));
  CHECK(lines[1].truncated);
  CHECK(lines[1].original_bytes == 11);
  CHECK(lines[2].text == "ok");
  CHECK_FALSE(lines[2].truncated);
  CHECK(lines[2].original_bytes == 2);
  CHECK(lines[3].text == std::string(10, 'c'));
  CHECK(lines[3].truncated);
  CHECK(lines[3].original_bytes == 25);
}

TEST_CASE("LineSplitter: a 10 MiB line in 64 KiB chunks is not held in memory") {
  constexpr std::size_t kCap = 1024, kChunk = 64 * 1024, kTotal = 10u << 20;
  const std::string chunk(kChunk, 'x');
  LineSplitter s(kCap);
  const std::size_t before = heap_in_use();
  for (std::size_t fed = 0; fed < kTotal; fed += kChunk) {
    s.feed(chunk);
    CHECK_FALSE(s.next().has_value());
  }
  // Everything fed, no newline yet: a splitter that buffered would hold 10 MiB now.
  const std::size_t after = heap_in_use();
  CHECK(after < before + (1u << 20));
  s.feed("\nnext\n");
  auto big = s.next();
  REQUIRE(big.has_value());
  CHECK(big->truncated);
  CHECK(big->text.size() == kCap);
  CHECK(big->original_bytes == kTotal);
  auto next = s.next();
  REQUIRE(next.has_value());
  CHECK(next->text == "next");
  CHECK_FALSE(next->truncated);
}

TEST_CASE("LineSplitter: a truncated line still parses as malformed, never crashes") {
  std::string line = R"({"type":"assistant","message":{"content":[{"type":"text","text":")" +
                     std::string(5000, 'q') + "\"}]}}\n";
  auto lines = split(line, 64, 1000);
  REQUIRE(lines.size() == 1);
  CHECK(lines[0].truncated);
  auto parsed = parse_stream_line(lines[0].text);
  REQUIRE(parsed.events.size() == 1);
  CHECK(parsed.events[0].kind == Kind::malformed);
}

TEST_CASE("LineSplitter: a line says whether it ended with a newline") {
  // The transcript writes the agent's bytes back exactly (SPEC §5.2), so it must know.
  auto lines = split("one\n\ntwo", 3);
  REQUIRE(lines.size() == 3);
  CHECK(lines[0].terminated);
  CHECK(lines[1].terminated);  // a blank line
  CHECK(lines[2].text == "two");
  CHECK_FALSE(lines[2].terminated);  // the last line at EOF had no newline
  auto cut = split(std::string(10, 'x'), 4, 5);
  REQUIRE(cut.size() == 1);
  CHECK(cut[0].truncated);
  CHECK_FALSE(cut[0].terminated);
  CHECK(split("x\n", 1).at(0).terminated);
}
