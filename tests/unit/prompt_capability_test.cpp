#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/assets.h"
#include "core/capability.h"
#include "core/prompt.h"

using namespace drover;

TEST_CASE("capability: front matter gives terminal mail, slinging and budgets") {
  auto c =
      parse_capability("merger",
                       "+++\nterminal_mail = [\"merged\", \"merge_failed\"]\nmay_sling = false\n"
                       "stall_timeout = \"30m\"\n+++\nMerge things.\n",
                       "merger.md");
  REQUIRE(c.ok());
  CHECK(c->terminal_mail == std::vector<std::string>{"merged", "merge_failed"});
  CHECK_FALSE(c->may_sling);
  REQUIRE(c->stall_timeout);
  CHECK(c->stall_timeout->count() == 30 * 60 * 1000);
  CHECK(c->instructions == "Merge things.\n");
}

TEST_CASE("capability: bad files are refused with the file and key named") {
  auto unknown = parse_capability("x", "+++\nterminal = []\n+++\n", "x.md");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.find("x.md") != std::string::npos);
  CHECK(unknown.error().message.find("unknown key 'terminal'") != std::string::npos);
  CHECK_FALSE(parse_capability("x", "no front matter", "x.md").ok());
  CHECK_FALSE(parse_capability("x", "+++\nterminal_mail = [\"a\"]\n", "x.md").ok());
  CHECK_FALSE(parse_capability("x", "+++\nstall_timeout = \"soon\"\n+++\n", "x.md").ok());
}

TEST_CASE("capability: every shipped definition parses with the terminal mail SPEC §5.6 gives") {
  std::map<std::string, std::vector<std::string>> expected = {
      {"builder", {"worker_done", "result"}},  {"scout", {"worker_done", "result"}},
      {"reviewer", {"worker_done", "result"}}, {"lead", {"worker_done", "result"}},
      {"merger", {"merged", "merge_failed"}},  {"coordinator", {}}};
  for (const auto& [name, types] : expected) {
    auto text = find_asset("agents/" + name + ".md");
    REQUIRE_MESSAGE(text, name);
    auto c = parse_capability(name, *text, name);
    REQUIRE_MESSAGE(c.ok(), name);
    CHECK_MESSAGE(c->terminal_mail == types, name);
    CHECK_FALSE(c->instructions.empty());
  }
  CHECK(default_capability("unknown").terminal_mail ==
        std::vector<std::string>{"worker_done", "result"});
}

TEST_CASE(
    "prompt: the first turn renders the template with task, name, parent and report command") {
  Session s;
  s.name = "alice";
  s.capability = "builder";
  s.parent = "lead";
  s.task = "fix the login bug";
  Capability c = default_capability("builder");
  c.instructions = "Build things.";
  MailMessage dispatch;
  dispatch.id = 1;
  dispatch.type = "dispatch";
  dispatch.body = "fix the login bug";
  MailMessage extra;
  extra.id = 2;
  extra.from = "lead";
  extra.type = "status";
  extra.subject = "also";
  extra.body = "use main";
  PromptInput in{&s, &c, "/repo", {dispatch, extra}, true};
  std::string text = render_turn_text(in);
  CHECK(text.find("You are alice") != std::string::npos);
  CHECK(text.find("Your parent agent is lead.") != std::string::npos);
  CHECK(text.find("Working directory: /repo") != std::string::npos);
  CHECK(text.find("fix the login bug") != std::string::npos);
  CHECK(text.find("Build things.") != std::string::npos);
  CHECK(text.find("drover mail send --to lead --type worker_done") != std::string::npos);
  CHECK(text.find("[MAIL #1]") == std::string::npos);  // the dispatch is the task itself
  CHECK(text.find(
            "[MAIL #2] From: lead | Type: status | Priority: normal | Subject: also\nuse main") !=
        std::string::npos);
}

TEST_CASE("prompt: later turns are the carried mail only, the user line is stream-json") {
  Session s;
  s.name = "alice";
  Capability c = default_capability("builder");
  MailMessage m;
  m.id = 5;
  m.from = "operator";
  m.type = "nudge";
  m.subject = "nudge";
  m.body = "status?";
  PromptInput in{&s, &c, "/repo", {m}, false};
  CHECK(render_turn_text(in) ==
        "[MAIL #5] From: operator | Type: nudge | Priority: normal | Subject: nudge\nstatus?");
  auto line = user_turn_line("hi \"there\"\n");
  CHECK(line.back() == '\n');
  auto j = nlohmann::json::parse(line);
  CHECK(j["type"] == "user");
  CHECK(j["message"]["role"] == "user");
  CHECK(j["message"]["content"][0]["type"] == "text");
  CHECK(j["message"]["content"][0]["text"] == "hi \"there\"\n");
}

TEST_CASE("prompt: fill_template leaves unknown placeholders alone") {
  CHECK(fill_template("a {{x}} b {{y}} {{", {{"x", "1"}}) == "a 1 b {{y}} {{");
}
