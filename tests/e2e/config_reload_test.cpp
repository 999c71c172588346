// End-to-end: a running supervisor follows config.toml (issue 15 item 6): a change applies
// to the turns started after it, an invalid file leaves the last good config in use (logged
// once, shown by `status` until fixed), and SIGHUP and `drover reload` read it at once.
#include <doctest/doctest.h>
#include <signal.h>

#include <filesystem>

#include "support/agents.h"
#include "support/command.h"
#include "support/mail.h"
#include "support/processes.h"
#include "support/project.h"

using e2e::contains;
using e2e::TempProject;

namespace {

std::filesystem::path config_file(const TempProject& p) { return p.root() / ".drover/config.toml"; }

e2e::Json supervisor_status(const TempProject& p) {
  return p.drover({"status", "--json"}).json()["supervisor"];
}

std::string reload_log(const TempProject& p) {
  return e2e::read_text(p.root() / ".drover/logs/supervisor.log");
}

// As an editor that saves by renaming: the supervisor never reads a half-written file (one
// written in place may be read truncated — empty is a valid config — until the next check).
void replace_config(const TempProject& p, const std::string& text) {
  auto tmp = config_file(p);
  tmp += ".new";
  e2e::write_text(tmp, text);
  std::filesystem::rename(tmp, config_file(p));
}

int count_of(const std::string& text, const std::string& needle) {
  int n = 0;
  for (auto at = text.find(needle); at != std::string::npos; at = text.find(needle, at + 1)) ++n;
  return n;
}

}  // namespace

TEST_CASE("config reload: a runtime added while the supervisor runs starts the next agent") {
  TempProject p;
  p.init_scripted();
  e2e::ok(p, {"up"});
  replace_config(p, e2e::read_text(config_file(p)) + "\n[runtimes.other]\ncommand = [\"" +
                        e2e::agent_bin() + "\"]\n");
  e2e::sling(p, {"b1", "--runtime", "other", "#!say hi\n" + e2e::kReportToOperator});
  REQUIRE(e2e::wait_state(p, "b1", "completed"));
  CHECK(e2e::records(p, "b1").size() == 1);
}

TEST_CASE(
    "config reload: an invalid file keeps the last good config in use and shows until fixed") {
  TempProject p;
  p.init_scripted("supervisor.poll_interval = \"100ms\"");
  // A turn that runs across the breakage; mail arriving meanwhile makes it wait for a second.
  e2e::sling(p, {"a1", "#!sh until [ -e go ]; do sleep 0.02; done"});
  REQUIRE(e2e::wait_state(p, "a1", "in_turn"));
  std::string good = e2e::read_text(config_file(p));
  replace_config(p, "bogus_key = 1\n" + good);

  REQUIRE(e2e::wait_until([&] { return supervisor_status(p)["config_error"].is_object(); }));
  auto err = supervisor_status(p)["config_error"];
  CHECK(contains(err["message"].get<std::string>(), "bogus_key"));
  CHECK(contains(err["message"].get<std::string>(), "config.toml"));
  auto human = p.drover({"status"}).out;
  CHECK(contains(human, "config error"));
  CHECK(contains(human, "last good config"));

  // The next turn starts with the last good config (its runtime is only in that one).
  e2e::ok(p, {"mail", "send", "--to", "a1", "--subject", "next", "--body",
              "#!say second\n" + e2e::kReportToOperator});
  e2e::write_text(p.root() / "go", "");
  REQUIRE(e2e::wait_state(p, "a1", "completed"));
  CHECK(e2e::records(p, "a1").size() == 2);
  CHECK(e2e::worker_died_to(p, "operator").empty());
  CHECK(count_of(reload_log(p), "bogus_key") == 1);  // logged once, not at every poll

  replace_config(p, good);
  CHECK(e2e::wait_until([&] { return supervisor_status(p)["config_error"].is_null(); }));
  CHECK_FALSE(contains(p.drover({"status"}).out, "config error"));
}

TEST_CASE("config reload: SIGHUP and drover reload read the file at once, reload reports it") {
  TempProject p;
  p.init_scripted();
  auto none = p.drover({"reload"});
  CHECK(none.code == 0);
  CHECK(contains(none.out + none.err, "not running"));

  e2e::ok(p, {"up"});
  auto r = p.drover({"reload"});
  INFO(r.out << r.err);
  CHECK(r.code == 0);
  CHECK(contains(r.out, "reloaded"));
  CHECK(p.drover({"--json", "reload"}).json()["reloaded"] == true);
  CHECK(count_of(reload_log(p), "config reloaded (drover reload)") == 2);

  pid_t sup = e2e::supervisor_pid(p);
  REQUIRE(sup > 0);
  REQUIRE(::kill(sup, SIGHUP) == 0);
  CHECK(e2e::wait_until([&] { return contains(reload_log(p), "config reloaded (SIGHUP)"); }));
  CHECK(supervisor_status(p)["running"] == true);

  std::string good = e2e::read_text(config_file(p));
  replace_config(p, good + "\n[supervisor]\nmax_turns = 3\n");
  auto bad = p.drover({"reload"});
  CHECK(bad.code == 5);
  CHECK(contains(bad.err, "last good config"));
  CHECK(supervisor_status(p)["config_error"].is_object());

  replace_config(p, good);
  CHECK(p.drover({"reload"}).code == 0);
  CHECK(supervisor_status(p)["config_error"].is_null());
}
