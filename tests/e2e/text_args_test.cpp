// End-to-end: every text the operator passes on the command line (a task, a nudge, a resume
// message, a mail subject or body) is stored and reaches the agent byte for byte (SPEC §10,
// issue 15): brackets and commas inside them, leading dashes after `--`, quotes, newlines,
// non-ASCII, and strings that look empty. The cases are a list of known troublemakers plus
// strings from a fixed-seed generator, fed through sling, nudge, resume, mail send and mail
// reply, and read back with `status --json` and `mail list --json`.
#include <doctest/doctest.h>

#include <cstdlib>

#include <map>
#include <random>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/project.h"

using e2e::Json;
using e2e::TempProject;

namespace {

using Words = std::vector<std::string>;

// A string as a JSON literal, so that a failing case shows its bytes.
std::string shown(const std::string& s) {
  return Json(s).dump(-1, ' ', true, Json::error_handler_t::replace);
}

std::string joined_words(const Words& words) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out;
}

// Strings CLI parsers like to rewrite. No line starts with "#!" (a fixture directive).
const std::vector<std::string> kNastyTexts = {
    "",
    "[x]",
    "[a,b]",
    "[a, b ,c]",
    "[]",
    "[ ]",
    "[,]",
    "[[x]]",
    "[x] and [y]",
    "[unterminated",
    "unopened]",
    "-x",
    "--wait",
    "--json",
    "--",
    "-",
    "--body=x",
    "--subject=",
    "-q",
    "\"double quoted\"",
    "'single quoted'",
    "back\\slash \\n not a newline",
    "line one\nline two\n",
    "\ttab first",
    "carriage\r\nreturn",
    "ünïcödé ✓ 日本語 🙂",
    "%%",
    "{}",
    "{a,b}",
    "a,b,c",
    " ",
    "  leading and trailing  ",
    "=",
    "@all",
    "$HOME `id` $(id) ; && | *",
    "\x01\x1f control bytes \x7f",
};

// Fixed-seed strings assembled from pieces that have caused trouble somewhere.
std::vector<std::string> generated_texts(std::size_t n) {
  static const std::vector<std::string> pieces = {
      "[", "]",  ",",  "[a,b]", "-",    "--", " ", "  ",   "\"", "'", "\n", "\t", "\\",
      "=", "{}", "%%", "é",     "日本", "✓",  "x", "word", "$X", "`", ";",  "*",  "\x1f"};
  std::mt19937 rng(20261204);
  std::vector<std::string> out;
  while (out.size() < n) {
    std::string s;
    auto count = 1 + rng() % 8;
    for (std::size_t i = 0; i < count; ++i) s += pieces[rng() % pieces.size()];
    switch (rng() % 3) {
      case 0: s = "[" + s + "]"; break;  // the shape CLI11 splits
      case 1: s = "-" + s; break;        // looks like an option
      default: break;
    }
    out.push_back(s);
  }
  return out;
}

// Every case as the words of one command line: each text alone, then a few texts together.
// Against a sanitizer build (DROVER_E2E_SAMPLE=N, set by scripts/test) every Nth text alone:
// an instrumented drover starts slowly, and these cases look for memory errors there, not
// for another shape of text.
std::vector<Words> text_cases() {
  std::vector<std::string> texts = kNastyTexts;
  for (auto& s : generated_texts(16)) texts.push_back(s);
  std::size_t stride = 1;
  if (const char* v = std::getenv("DROVER_E2E_SAMPLE"); v != nullptr && std::atoi(v) > 1)
    stride = static_cast<std::size_t>(std::atoi(v));
  std::vector<Words> cases;
  for (std::size_t i = 0; i < texts.size(); i += stride) cases.push_back({texts[i]});
  for (std::size_t i = 0; i + 2 < texts.size(); i += 7)
    cases.push_back({texts[i], texts[i + 1], texts[i + 2]});
  cases.push_back({"[a]", "", "[b,c]"});
  return cases;
}

Words with_words(Words args, const Words& words) {
  args.push_back("--");
  args.insert(args.end(), words.begin(), words.end());
  return args;
}

// Runs drover; a failure is reported with the command line and leaves `ok` false.
e2e::Run run_text(const TempProject& p, const Words& args, bool& ok,
                  const e2e::RunOptions& o = {}) {
  auto r = p.drover(args, o);
  INFO("drover " << shown(joined_words(args)) << "\nexit " << r.code << "\nstderr: " << r.err);
  CHECK(r.code == 0);
  ok = r.code == 0;
  return r;
}

std::map<std::int64_t, Json> messages_by_id(const TempProject& p) {
  std::map<std::int64_t, Json> out;
  for (const auto& m : e2e::mail_list(p)) out[m["id"].get<std::int64_t>()] = m;
  return out;
}

}  // namespace

TEST_CASE("text: sling, nudge and resume store their words byte for byte") {
  TempProject p;
  e2e::init_without_autostart(p);
  const auto cases = text_cases();
  std::string sessions;
  for (std::size_t i = 0; i < cases.size(); ++i)
    sessions +=
        "INSERT INTO sessions (name, capability, runtime, state, created_at, last_activity) "
        "VALUES ('r" +
        std::to_string(i) +
        "','builder','claude','completed','2026-01-01T00:00:00.000Z',"
        "'2026-01-01T00:00:00.000Z');";
  e2e::sql(p, sessions);
  e2e::add_session(p, "live", "builder", "between_turns");

  struct Sent {
    std::string command, expected;
    std::int64_t id;
  };
  std::vector<Sent> sent;
  std::map<std::string, std::string> tasks;  // agent -> expected task
  for (std::size_t i = 0; i < cases.size(); ++i) {
    const Words& words = cases[i];
    const std::string text = joined_words(words);
    CAPTURE(shown(text));
    bool ok = false;
    // sling: '-' alone means stdin, and a blank task is refused (SPEC §6.1).
    if (words != Words{"-"} && text.find_first_not_of(" \t\r\n") != std::string::npos) {
      std::string agent = "s" + std::to_string(i);
      auto r = run_text(p, with_words({"sling", agent, "--no-start", "--json"}, words), ok);
      if (ok) {
        sent.push_back({"sling", text, r.json()["dispatch_id"].get<std::int64_t>()});
        tasks[agent] = text;
      }
    }
    // nudge and resume: no words (or only empty ones) means the default text.
    auto n = run_text(p, with_words({"nudge", "live", "--no-start", "--json"}, words), ok);
    if (ok)
      sent.push_back({"nudge", text.empty() ? "Check your mail and report your status." : text,
                      n.json()["message_id"].get<std::int64_t>()});
    const std::string revived = "r" + std::to_string(i);
    run_text(p, with_words({"resume", revived, "--no-start"}, words), ok);
    if (ok) {
      auto resumed = e2e::mail_list(p, {"--to", revived});
      REQUIRE(resumed.size() == 1);
      sent.push_back({"resume", text.empty() ? "Continue your task." : text,
                      resumed[0]["id"].get<std::int64_t>()});
    }
  }

  auto stored = messages_by_id(p);
  for (const auto& s : sent) {
    CAPTURE(s.command);
    CAPTURE(shown(s.expected));
    REQUIRE(stored.count(s.id) == 1);
    CHECK(stored[s.id]["body"].get<std::string>() == s.expected);
  }
  auto status = p.drover({"status", "--json"}).json();
  std::size_t seen = 0;
  for (const auto& a : status["agents"]) {
    auto it = tasks.find(a["name"].get<std::string>());
    if (it == tasks.end()) continue;
    ++seen;
    CAPTURE(shown(it->second));
    CHECK(a["task"].get<std::string>() == it->second);
  }
  CHECK(seen == tasks.size());
}

TEST_CASE("text: mail send and reply store subjects and bodies byte for byte, '=' or not") {
  TempProject p;
  e2e::init_without_autostart(p);
  auto base = e2e::send(p, {"--to", "operator", "--subject", "base"})[0];
  struct Sent {
    std::string how, subject, body;
    std::int64_t id;
  };
  std::vector<Sent> sent;
  auto only_id = [](const e2e::Run& r) { return r.json()["ids"][0].get<std::int64_t>(); };
  for (const auto& words : text_cases()) {
    const std::string text = joined_words(words);
    const std::string body = text + "\n" + text;
    const std::string reply_to = std::to_string(base);
    CAPTURE(shown(text));
    bool ok = false;
    auto a = run_text(
        p, {"mail", "send", "--json", "--to", "operator", "--subject", text, "--body", body}, ok);
    if (ok) sent.push_back({"send --subject S --body B", text, body, only_id(a)});
    // --opt=VALUE, where VALUE may be empty: the next argument is not the value.
    auto b = run_text(
        p, {"mail", "send", "--subject=" + text, "--body=" + text, "--to", "operator", "--json"},
        ok);
    if (ok) sent.push_back({"send --subject=S --body=B", text, text, only_id(b)});
    auto c = run_text(p, {"mail", "reply", reply_to, "--body", text, "--json"}, ok);
    if (ok) sent.push_back({"reply --body B", "Re: base", text, only_id(c)});
    auto d = run_text(p, {"mail", "reply", reply_to, "--body=" + text, "--json"}, ok);
    if (ok) sent.push_back({"reply --body=B", "Re: base", text, only_id(d)});
  }
  auto stored = messages_by_id(p);
  for (const auto& s : sent) {
    CAPTURE(s.how);
    CAPTURE(shown(s.body));
    REQUIRE(stored.count(s.id) == 1);
    CHECK(stored[s.id]["subject"].get<std::string>() == s.subject);
    CHECK(stored[s.id]["body"].get<std::string>() == s.body);
  }
}

TEST_CASE("text: the agent's turns carry the task and the nudge exactly as typed") {
  TempProject p;
  e2e::init_for_manual_turns(p);
  const Words task = {"[fix]", "the [a,b] case", "--", "-x", "\"q\" 'r'", "ü\n[]"};
  bool ok = false;
  run_text(p, with_words({"sling", "alice", "--capability", "coordinator", "--no-start"}, task), ok,
           e2e::agent_opts(p));
  REQUIRE(ok);
  auto first = e2e::turn_json(p, "alice");
  auto text1 = e2e::record(p, "alice", first["turn"].get<long long>())["text"].get<std::string>();
  CAPTURE(shown(text1));
  CHECK(e2e::contains(text1, "\n" + joined_words(task) + "\n"));

  const Words nudge = {"[x]", "[y,z]", "--wait"};
  run_text(p, with_words({"nudge", "alice", "--no-start"}, nudge), ok, e2e::agent_opts(p));
  REQUIRE(ok);
  auto second = e2e::turn_json(p, "alice");
  auto text2 = e2e::record(p, "alice", second["turn"].get<long long>())["text"].get<std::string>();
  CAPTURE(shown(text2));
  CHECK(e2e::contains(text2, "\n" + joined_words(nudge)));
}
