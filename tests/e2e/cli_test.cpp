// End-to-end: global flags, project discovery, quiet/colour, completions and usage
// errors (SPEC §1, §6).
#include <doctest/doctest.h>
#include <unistd.h>

#include <filesystem>

#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/project.h"

using e2e::contains;
using e2e::RunOptions;
using e2e::TempProject;

namespace fs = std::filesystem;

TEST_CASE("global flags are accepted before or after the command") {
  TempProject p;
  p.init();
  e2e::send(p, {"--to", "operator", "--subject", "hi"});

  auto before = p.drover({"--json", "status"});
  auto after = p.drover({"status", "--json"});
  REQUIRE(before.code == 0);
  REQUIRE(after.code == 0);
  CHECK(before.json() == after.json());
  CHECK(before.json()["unread"]["operator"] == 1);

  auto mail_before = p.drover({"--json", "mail", "list"});
  auto mail_middle = p.drover({"mail", "--json", "list"});
  auto mail_after = p.drover({"mail", "list", "--json"});
  REQUIRE(mail_before.code == 0);
  REQUIRE(mail_middle.code == 0);
  REQUIRE(mail_after.code == 0);
  CHECK(mail_before.json() == mail_after.json());
  CHECK(mail_middle.json() == mail_after.json());

  auto q1 = p.drover({"-q", "mail", "send", "--to", "alice", "--subject", "s"});
  auto q2 = p.drover({"mail", "send", "--to", "alice", "--subject", "s", "--quiet"});
  CHECK(q1.code == 0);
  CHECK(q2.code == 0);
  CHECK(q1.out.empty());
  CHECK(q2.out.empty());

  CHECK(p.drover({"--no-color", "status"}).code == 0);
  CHECK(p.drover({"status", "--no-color"}).code == 0);
}

TEST_CASE("--project DIR and $DROVER_PROJECT work from another directory") {
  TempProject p;
  p.init();
  TempProject elsewhere;  // a directory that is not a project
  RunOptions away = e2e::with_cwd(elsewhere.root());

  auto sent = p.drover({"--project", p.root().string(), "mail", "send", "--to", "operator",
                        "--subject", "via flag", "--json"},
                       away);
  REQUIRE(sent.code == 0);
  auto after = p.drover({"mail", "send", "--to", "operator", "--subject", "flag after", "--project",
                         p.root().string()},
                        away);
  CHECK(after.code == 0);

  RunOptions env = e2e::with_env({{"DROVER_PROJECT", p.root().string()}}, elsewhere.root());
  auto st = p.drover({"status", "--json"}, env);
  REQUIRE(st.code == 0);
  CHECK(st.json()["unread"]["operator"] == 2);
  CHECK(p.drover({"mail", "send", "--to", "operator", "--subject", "via env"}, env).code == 0);
  CHECK(e2e::mail_count(p) == 3);

  // --project wins over $DROVER_PROJECT.
  TempProject other;
  other.init();
  // (On PostgreSQL DROVER_STORE, not the directory, names a project's database: each
  // command gets the store of the project it should pick.)
  auto env_other = [&](const TempProject& picked) {
    return e2e::with_env(
        {{"DROVER_PROJECT", other.root().string()}, {"DROVER_STORE", picked.store()}},
        elsewhere.root());
  };
  auto wins = p.drover({"--project", p.root().string(), "status", "--json"}, env_other(p));
  REQUIRE(wins.code == 0);
  CHECK(wins.json()["unread"]["operator"] == 3);
  CHECK(p.drover({"status", "--json"}, env_other(other)).json()["unread"]["operator"] == 0);

  // Pointing at a directory without .drover/ is "not a drover project".
  auto bad = p.drover({"--project", elsewhere.root().string(), "status"});
  e2e::expect_one_line_error(bad, 5, "not a drover project");
  RunOptions bad_env = e2e::with_env({{"DROVER_PROJECT", elsewhere.root().string()}});
  e2e::expect_one_line_error(p.drover({"status"}, bad_env), 5, "DROVER_PROJECT");
}

TEST_CASE("commands run from a subdirectory find the project") {
  TempProject p;
  p.init();
  fs::create_directories(p.root() / "src/deep/er");
  RunOptions sub = e2e::with_cwd(p.root() / "src/deep/er");
  CHECK(p.drover({"mail", "send", "--to", "operator", "--subject", "from below"}, sub).code == 0);
  auto st = p.drover({"status", "--json"}, sub);
  REQUIRE(st.code == 0);
  CHECK(st.json()["unread"]["operator"] == 1);
  CHECK(e2e::mail_count(p) == 1);
  CHECK_FALSE(fs::exists(p.root() / "src/deep/er/.drover"));
}

TEST_CASE("outside a project: exit 5 with one line, or the JSON error document") {
  TempProject nowhere;
  for (const auto& args :
       {std::vector<std::string>{"status"}, std::vector<std::string>{"mail", "list"},
        std::vector<std::string>{"mail", "send", "--to", "operator", "--subject", "x"},
        std::vector<std::string>{"mail", "check"}, std::vector<std::string>{"mail", "read", "1"}}) {
    auto r = nowhere.drover(args);
    e2e::expect_one_line_error(r, 5, "not a drover project (run 'drover init')");
  }
  for (const auto& args :
       {std::vector<std::string>{"--json", "status"}, std::vector<std::string>{"status", "--json"},
        std::vector<std::string>{"mail", "list", "--json"}}) {
    auto r = nowhere.drover(args);
    CHECK(r.code == 5);
    CHECK(r.err.empty());
    auto doc = r.json();
    CHECK(doc.size() == 1);
    REQUIRE(doc["error"].is_object());
    CHECK(doc["error"].size() == 2);
    CHECK(doc["error"]["code"] == "project");
    CHECK(doc["error"]["message"] == "not a drover project (run 'drover init')");
  }
  CHECK_FALSE(fs::exists(nowhere.root() / ".drover"));
}

TEST_CASE("-q suppresses the 'sent #n' line but not the data asked for") {
  TempProject p;
  p.init();
  auto loud = p.drover({"mail", "send", "--to", "alice", "--subject", "s"});
  REQUIRE(loud.code == 0);
  CHECK(contains(loud.out, "sent #1 to alice"));
  auto quiet = p.drover({"mail", "send", "--to", "alice", "--subject", "s", "-q"});
  REQUIRE(quiet.code == 0);
  CHECK(quiet.out.empty());
  CHECK(quiet.err.empty());
  auto quiet_json = p.drover({"-q", "--json", "mail", "send", "--to", "alice", "--subject", "s"});
  REQUIRE(quiet_json.code == 0);
  CHECK(quiet_json.json()["ids"] == nlohmann::json::array({3}));
  CHECK(e2e::mail_count(p) == 3);
  // Quiet still prints what was asked for.
  auto list = p.drover({"-q", "mail", "list"});
  CHECK(contains(list.out, "#3"));
  auto reply = p.drover({"-q", "mail", "reply", "1", "--body", "b"});
  CHECK(reply.code == 0);
  CHECK(reply.out.empty());
}

TEST_CASE("NO_COLOR and --no-color: no escape bytes, even on a terminal") {
  TempProject p;
  p.init();
  e2e::add_session(p, "alice", "builder", "between_turns", "a task");
  e2e::send(p, {"--to", "operator", "--subject", "hello", "--body", "body"});
  const std::vector<std::vector<std::string>> commands = {
      {"status"}, {"status", "alice"}, {"mail", "list"}, {"mail", "read", "1"}, {"mail", "check"}};
  for (const auto& args : commands) {
    auto a = p.drover(args, e2e::with_env({{"NO_COLOR", "1"}}));
    CHECK(a.code == 0);
    CHECK_FALSE(e2e::has_esc(a.out + a.err));
    auto with_flag = args;
    with_flag.push_back("--no-color");
    auto b = p.drover(with_flag);
    CHECK(b.code == 0);
    CHECK_FALSE(e2e::has_esc(b.out + b.err));
  }
  // On a pseudo-terminal (where colour would be allowed) through script(1).
  if (e2e::command({"sh", "-c", "command -v script"}).code != 0) {
    MESSAGE("script(1) is not installed; skipping the terminal sub-case");
    return;
  }
  std::string base = e2e::drover_bin() + " --project " + p.root().string() + " ";
  for (const std::string& cmd : {base + "status", base + "mail list", base + "status alice"}) {
    auto env =
        e2e::command({"script", "-qec", cmd, "/dev/null"}, e2e::with_env({{"NO_COLOR", "1"}}));
    CHECK(env.code == 0);
    CHECK_FALSE(env.out.empty());
    CHECK_FALSE(e2e::has_esc(env.out));
    auto flag = e2e::command({"script", "-qec", cmd + " --no-color", "/dev/null"});
    CHECK(flag.code == 0);
    CHECK_FALSE(e2e::has_esc(flag.out));
  }
}

TEST_CASE("completions print bash, zsh and fish scripts, an unknown shell is a usage error") {
  TempProject nowhere;  // completions need no project
  for (const char* shell : {"bash", "zsh", "fish"}) {
    auto r = nowhere.drover({"completions", shell});
    INFO(std::string(shell) << ": " << r.err);
    REQUIRE(r.code == 0);
    CHECK(contains(r.out, "drover"));
    CHECK(contains(r.out, "mail"));
    CHECK(contains(r.out, "status"));
    CHECK(contains(r.out, "completions"));
    CHECK(
        contains(r.out, std::string(shell) == "fish" ? "-l json" : "--json"));  // global flags too
    CHECK(r.err.empty());
  }
  CHECK(contains(nowhere.drover({"completions", "bash"}).out, "complete -F"));
  CHECK(contains(nowhere.drover({"completions", "zsh"}).out, "#compdef drover"));
  CHECK(contains(nowhere.drover({"completions", "fish"}).out, "complete -c drover"));
  if (e2e::command({"sh", "-c", "command -v bash"}).code == 0) {
    auto sourced = e2e::command(
        {"bash", "-c",
         "source <(" + e2e::drover_bin() + " completions bash) && complete -p drover"});
    CHECK(sourced.code == 0);
    CHECK(contains(sourced.out, "_drover"));
  }
  e2e::expect_one_line_error(nowhere.drover({"completions", "tcsh"}), 2, "tcsh");
  e2e::expect_one_line_error(nowhere.drover({"completions"}), 2, "shell");
}

TEST_CASE("completions offer the project's agent names and mail ids") {
  TempProject p;
  p.init_scripted();
  REQUIRE(p.drover({"sling", "alice", "x", "--no-start"}).code == 0);
  REQUIRE(p.drover({"sling", "bob", "y", "--no-start"}).code == 0);
  auto agents = p.drover({"completions", "--list", "agents"});
  CHECK(agents.code == 0);
  CHECK(agents.out == "alice\nbob\n");
  auto mail = p.drover({"completions", "--list", "mail"});
  CHECK(mail.code == 0);
  CHECK(contains(mail.out, "1\n"));  // the two tasks are mail #1 and #2
  CHECK(contains(mail.out, "2\n"));
  e2e::expect_one_line_error(p.drover({"completions", "--list", "ids"}), 2, "'agents' or 'mail'");

  // The bash function itself, as the shell calls it on <TAB>.
  std::string bin_dir = std::filesystem::path(e2e::drover_bin()).parent_path().string();
  auto complete = [&](const std::string& words, int cword) {
    return e2e::command({"bash", "-c",
                         "export PATH=" + bin_dir + ":$PATH; source <(drover completions bash); " +
                             "COMP_WORDS=(" + words + "); COMP_CWORD=" + std::to_string(cword) +
                             "; _drover; echo \"${COMPREPLY[*]}\""},
                        e2e::with_cwd(p.root()))
        .out;
  };
  CHECK(contains(complete("drover log al", 2), "alice"));
  CHECK_FALSE(contains(complete("drover log al", 2), "bob"));
  CHECK(contains(complete("drover mail send --to b", 4), "bob"));
  CHECK(contains(complete("drover mail read ''", 3), "2"));
}

TEST_CASE("unknown commands and flags are usage errors with one line on stderr") {
  TempProject p;
  p.init();
  e2e::expect_one_line_error(p.drover({"frobnicate"}), 2, "frobnicate");
  e2e::expect_one_line_error(p.drover({"status", "--bogus"}), 2, "--bogus");
  e2e::expect_one_line_error(p.drover({"--bogus", "status"}), 2, "--bogus");
  e2e::expect_one_line_error(p.drover({"mail", "send", "--to", "a", "--subject", "s", "--urgent"}),
                             2, "--urgent");
  // CLI11 reports a missing subcommand here rather than naming 'frob'.
  e2e::expect_one_line_error(p.drover({"mail", "frob"}), 2, "drover mail --help");
  e2e::expect_one_line_error(p.drover({"mail"}), 2, "subcommand");
  e2e::expect_one_line_error(p.drover({"mail", "send", "--subject", "s"}), 2, "--to");
  // In drover's words, with a suggestion for a typo (issue 16 item 8).
  e2e::expect_one_line_error(p.drover({"slng", "bob", "x"}), 2,
                             "unknown command 'slng' (did you mean 'sling'?)");
  e2e::expect_one_line_error(p.drover({"sling", "bob", "task", "--runtim", "claude"}), 2,
                             "unknown option '--runtim' for 'drover sling' (did you mean "
                             "'--runtime'?)");
  e2e::expect_one_line_error(p.drover({"mail", "raed", "3"}), 2,
                             "unknown command 'raed' of 'drover mail' (did you mean 'read'?)");
  e2e::expect_one_line_error(p.drover({"mail", "read", "abc"}), 2,
                             "'abc' is not a valid id: a whole number is expected");
  e2e::expect_one_line_error(p.drover({"status", "a", "b"}), 2,
                             "unexpected argument 'b' for 'drover status'");
  CHECK(p.drover({"sessions"}).err.find("not expected") == std::string::npos);
  auto j = p.drover({"status", "--bogus", "--json"});
  CHECK(j.code == 2);
  CHECK(j.json()["error"]["code"] == "usage");
  CHECK(e2e::mail_count(p) == 0);
}

TEST_CASE("--help works on every command and --version needs no project") {
  TempProject nowhere;
  for (const auto& args :
       {std::vector<std::string>{"--help"}, std::vector<std::string>{"status", "--help"},
        std::vector<std::string>{"mail", "--help"},
        std::vector<std::string>{"mail", "send", "--help"},
        std::vector<std::string>{"mail", "list", "--help"},
        std::vector<std::string>{"mail", "check", "--help"},
        std::vector<std::string>{"mail", "read", "--help"},
        std::vector<std::string>{"mail", "reply", "--help"},
        std::vector<std::string>{"init", "--help"},
        std::vector<std::string>{"completions", "--help"},
        std::vector<std::string>{"ask", "--help"}, std::vector<std::string>{"decide", "--help"},
        std::vector<std::string>{"gates", "--help"}}) {
    auto r = nowhere.drover(args);
    INFO((args.size() > 1 ? args[args.size() - 2] : args[0]));
    CHECK(r.code == 0);
    CHECK(contains(r.out, "--help"));
  }
  CHECK(contains(nowhere.drover({"mail", "send", "--help"}).out, "--priority"));
  CHECK_FALSE(fs::exists(nowhere.root() / ".drover"));
  auto v = nowhere.drover({"--version"});
  CHECK(v.code == 0);
  CHECK(v.out.rfind("drover ", 0) == 0);
}
