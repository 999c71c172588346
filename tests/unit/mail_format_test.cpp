#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "core/mail.h"

using namespace drover;

namespace {

MailMessage msg(std::int64_t id, const std::string& priority, const std::string& subject,
                const std::string& body = "body") {
  MailMessage m;
  m.id = id;
  m.from = "alice";
  m.to = "bob";
  m.type = "status";
  m.priority = priority;
  m.subject = subject;
  m.body = body;
  return m;
}

std::string header(std::int64_t id, const std::string& priority, const std::string& subject,
                   const std::string& from = "alice", const std::string& type = "status") {
  return "[MAIL #" + std::to_string(id) + "] From: " + from + " | Type: " + type +
         " | Priority: " + priority + " | Subject: " + subject;
}

const char* const kAllTypes[] = {
    "status",     "question",     "result",        "error",           "dispatch", "assign",
    "nudge",      "worker_done",  "worker_died",   "merge_ready",     "merged",   "merge_failed",
    "escalation", "health_check", "decision_gate", "budget_exceeded", "decision"};

}  // namespace

TEST_CASE("mail: every SPEC §4 type is valid, anything else is rejected with the list") {
  CHECK(std::size(kMailTypes) == std::size(kAllTypes));
  for (const char* t : kAllTypes) {
    CAPTURE(t);
    CHECK(validate_mail_type(t).ok());
  }
  for (const std::string bad : {"", "Status", "STATUS", "done", "status ", "worker-done", "mail"}) {
    CAPTURE(bad);
    auto r = validate_mail_type(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::usage);
    const auto& m = r.error().message;
    CHECK(m.find("'" + bad + "'") != std::string::npos);
    for (const char* t : kAllTypes) CHECK(m.find(t) != std::string::npos);
  }
  CHECK(validate_mail_type("bogus").error().message ==
        "invalid mail type 'bogus' (valid types: status, question, result, error, dispatch, "
        "assign, nudge, worker_done, worker_died, merge_ready, merged, merge_failed, "
        "escalation, health_check, decision_gate, budget_exceeded, decision)");
}

TEST_CASE("mail: priorities") {
  for (const char* p : {"low", "normal", "high", "urgent"}) CHECK(validate_priority(p).ok());
  for (const std::string bad : {"", "Low", "critical", "medium", "urgent!"}) {
    CAPTURE(bad);
    auto r = validate_priority(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::usage);
    CHECK(r.error().message.find("low, normal, high, urgent") != std::string::npos);
    CHECK(r.error().message.find("'" + bad + "'") != std::string::npos);
  }
  CHECK(priority_rank("urgent") == 0);
  CHECK(priority_rank("high") == 1);
  CHECK(priority_rank("normal") == 2);
  CHECK(priority_rank("low") == 3);
  CHECK(priority_rank("bogus") == priority_rank("normal"));
}

TEST_CASE("mail: payloads are validated and compacted") {
  auto spaced = normalize_payload("  {\n  \"branch\" :  \"main\" ,\n \"n\": [1, 2,  3] }\n");
  REQUIRE(spaced.ok());
  CHECK(*spaced == R"({"branch":"main","n":[1,2,3]})");
  CHECK(normalize_payload(R"({"a":{"b":null,"c":true}})").value() ==
        R"({"a":{"b":null,"c":true}})");
  CHECK(normalize_payload("[ ]").value() == "[]");
  CHECK(normalize_payload("{}").value() == "{}");
  CHECK(normalize_payload(" 42 ").value() == "42");
  CHECK(normalize_payload(R"("text")").value() == R"("text")");
  // Non-ASCII text stays as UTF-8, not \u escapes.
  CHECK(normalize_payload("{\"s\": \"caf\xc3\xa9\"}").value() == "{\"s\":\"caf\xc3\xa9\"}");
  CHECK(normalize_payload(R"({"s":"a\nb"})").value() == R"({"s":"a\nb"})");

  for (const std::string bad : {"", " ", "{", "}", "{\"a\":}", "{'a':1}", "not json", "{} x",
                                "[1,]", "{\"a\":1,}", "\"unterminated", "{\"s\":\"\xff\"}"}) {
    CAPTURE(bad);
    auto r = normalize_payload(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::usage);
    CHECK(r.error().message.find("JSON") != std::string::npos);
  }
}

// Seen while writing fuzz/mail_prompt_fuzz.cpp, reproduced with it
// (fixtures/fuzz/mail_prompt/regression-deep-payload):
// compacting re-serialises the value, which recurses once per level: 100,000 '[' overflowed
// the stack (12,000 under ASan). A --payload argument (at most 128 KiB) stays just under
// that, but every reader that re-serialises the stored payload adds frames.
TEST_CASE("mail: payloads nested deeper than 128 levels are refused") {
  auto arrays = [](int n) { return std::string(n, '[') + std::string(n, ']'); };
  auto objects = [](int n) {
    std::string s;
    for (int i = 0; i < n; ++i) s += R"({"a":)";
    return s + "1" + std::string(n, '}');
  };
  CHECK(normalize_payload(arrays(128)).value() == arrays(128));
  CHECK(normalize_payload(objects(128)).value() == objects(128));
  for (const std::string& deep :
       {arrays(129), objects(129), arrays(200000), "[" + objects(200000) + "]"}) {
    auto r = normalize_payload(deep);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::usage);
    CHECK(r.error().message == "invalid --payload: JSON nested deeper than 128 levels");
  }
}

TEST_CASE("format_mail_for_turn: one message, exact format") {
  MailMessage m = msg(42, "high", "Build the parser", "Line one\nLine two");
  m.from = "lead-1";
  m.type = "dispatch";
  CHECK(format_mail_for_turn({m}) ==
        "[MAIL #42] From: lead-1 | Type: dispatch | Priority: high | Subject: Build the parser\n"
        "Line one\nLine two");
}

TEST_CASE("format_mail_for_turn: no messages is empty text") {
  CHECK(format_mail_for_turn({}).empty());
}

TEST_CASE("format_mail_for_turn: two messages joined by the separator") {
  auto text =
      format_mail_for_turn({msg(1, "normal", "first", "a"), msg(2, "normal", "second", "b")});
  CHECK(text ==
        header(1, "normal", "first") + "\na\n\n---\n\n" + header(2, "normal", "second") + "\nb");
}

TEST_CASE("format_mail_for_turn: urgent, high, normal, low, oldest first within a priority") {
  std::vector<MailMessage> in = {
      msg(1, "low", "s1"),    msg(2, "normal", "s2"), msg(3, "urgent", "s3"), msg(4, "high", "s4"),
      msg(5, "urgent", "s5"), msg(6, "normal", "s6"), msg(7, "low", "s7"),    msg(8, "high", "s8")};
  const std::vector<std::pair<int, std::string>> order = {
      {3, "urgent"}, {5, "urgent"}, {4, "high"}, {8, "high"},
      {2, "normal"}, {6, "normal"}, {1, "low"},  {7, "low"}};
  std::string want;
  for (const auto& [id, p] : order) {
    if (!want.empty()) want += "\n\n---\n\n";
    want += header(id, p, "s" + std::to_string(id)) + "\nbody";
  }
  CHECK(format_mail_for_turn(in) == want);

  // The input order does not matter: reversed input, same text.
  std::vector<MailMessage> reversed(in.rbegin(), in.rend());
  CHECK(format_mail_for_turn(reversed) == want);
}

TEST_CASE("format_mail_for_turn: ordering is by id, not by created_at or input position") {
  MailMessage newer = msg(10, "normal", "newer");
  newer.created_at = "2026-01-01T00:00:00.000Z";
  MailMessage older = msg(9, "normal", "older");
  older.created_at = "2026-12-31T00:00:00.000Z";
  auto text = format_mail_for_turn({newer, older});
  CHECK(text.find("[MAIL #9]") < text.find("[MAIL #10]"));
  CHECK(text.rfind("[MAIL #9]", 0) == 0);
}

TEST_CASE("format_mail_for_turn: text is passed through exactly, empty body keeps the newline") {
  MailMessage m = msg(7, "urgent", "x | y", "");
  m.from = "operator";
  CHECK(format_mail_for_turn({m}) == header(7, "urgent", "x | y", "operator") + "\n");
  MailMessage raw = msg(8, "low", "s", std::string("a\0b\x1b[0m\n\n---\n\n", 14));
  CHECK(format_mail_for_turn({raw}) == header(8, "low", "s") + "\n" + raw.body);
}

TEST_CASE("sort_for_delivery sorts in place") {
  std::vector<MailMessage> v = {msg(3, "low", "a"), msg(2, "urgent", "b"), msg(1, "low", "c"),
                                msg(4, "high", "d")};
  sort_for_delivery(v);
  REQUIRE(v.size() == 4);
  CHECK(v[0].id == 2);
  CHECK(v[1].id == 4);
  CHECK(v[2].id == 1);
  CHECK(v[3].id == 3);
}

TEST_CASE("mail: MailMessage defaults") {
  MailMessage m;
  CHECK(m.type == "status");
  CHECK(m.priority == "normal");
  CHECK_FALSE(m.payload.has_value());
  CHECK_FALSE(m.read_at.has_value());
  CHECK_FALSE(m.claimed_turn.has_value());
}
