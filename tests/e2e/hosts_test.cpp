// End-to-end: several hosts on one store (issue 19, docs/hosts.md). Two supervisors with
// different host ids — two project checkouts, the second using the first's database —
// share one swarm: an agent runs on the host that claimed it, `status` shows every host,
// a stop from the other host is carried out by the running one, and when a host is
// SIGKILLed with its agents the other takes them over once the lease runs out.
#include <doctest/doctest.h>
#include <signal.h>

#include <chrono>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/processes.h"
#include "support/project.h"
#include "support/store.h"

using e2e::contains;
using e2e::Json;
using e2e::TempProject;

namespace {

const std::string kReportToBoss = "#!mail --to boss --type worker_done --subject done --body ok";
constexpr const char* kHostConfig =
    "supervisor.lease = \"2s\"\nsupervisor.poll_interval = \"200ms\"";
// Ticks far apart: a host woken within seconds was woken by something else.
constexpr const char* kSlowTicks = "supervisor.poll_interval = \"120s\"";

// Two hosts: `a` owns the database, `b` is another checkout that uses it.
struct TwoHosts {
  TempProject a, b;
  explicit TwoHosts(const std::string& config = kHostConfig) {
    a.init_scripted(config);
    b.init_scripted(config);
  }
  e2e::RunOptions on_a() const {
    auto o = e2e::agent_opts(a);
    o.env["DROVER_HOST"] = "host-a";
    return o;
  }
  e2e::RunOptions on_b() const {
    auto o = e2e::agent_opts(b);
    o.env["DROVER_HOST"] = "host-b";
    o.env["DROVER_STORE"] = e2e::store_of(a);
    return o;
  }
  e2e::Run a_ok(const std::vector<std::string>& args) const {
    return must(a.drover(args, on_a()), args);
  }
  e2e::Run b_ok(const std::vector<std::string>& args) const {
    return must(b.drover(args, on_b()), args);
  }
  static e2e::Run must(e2e::Run r, const std::vector<std::string>& args) {
    INFO("drover " << args.at(0) << "\nstdout: " << r.out << "\nstderr: " << r.err);
    REQUIRE(r.code == 0);
    return r;
  }
  std::string host_of(const std::string& agent) const {
    return e2e::sql(a, "SELECT host FROM leases WHERE agent = '" + agent + "'");
  }
};

void wait_in_sh_step(const TempProject& p, const std::string& agent) {
  REQUIRE(e2e::wait_until(
      [&] {
        return e2e::sql_int(p, "SELECT count(*) FROM events WHERE agent = '" + agent +
                                   "' AND kind = 'tool_start'") >= 1;
      },
      e2e::kDeadline));
}

}  // namespace

TEST_CASE("hosts: an agent taken over from a SIGKILLed host resumes on the other host") {
  TwoHosts h;
  auto flag = h.a.root() / "flag";
  h.a_ok({"up"});
  h.a_ok({"sling", "w1", "--parent", "boss",
          "#!say started\n#!sh test -f " + flag.string() + " || sleep 60\n" + kReportToBoss});
  wait_in_sh_step(h.a, "w1");
  CHECK(h.host_of("w1") == "host-a");
  h.b_ok({"up"});

  // Both hosts are live, and either one's status says where w1 runs.
  REQUIRE(e2e::wait_until([&] { return e2e::sql_int(h.a, "SELECT count(*) FROM hosts") == 2; },
                          e2e::kDeadline));
  Json st = Json::parse(h.b_ok({"--json", "status"}).out);
  REQUIRE(st["hosts"].size() == 2);
  CHECK(st["hosts"][0]["name"] == "host-a");
  CHECK(st["hosts"][0]["live"] == true);
  CHECK(st["hosts"][1]["name"] == "host-b");
  CHECK(st["agents"][0]["host"] == "host-a");
  auto text = h.b_ok({"status"}).out;
  CHECK(contains(text, "HOST"));
  CHECK(contains(text, "hosts: host-a (live, 1 agent(s)), host-b (live, 0 agent(s))"));
  // Host b does not run what host a holds, and leaves its turn alone.
  CHECK(e2e::records(h.b, "w1").empty());
  CHECK(e2e::state_of(h.a, "w1") == "in_turn");

  // Host a dies with its agents.
  long long pgid = e2e::records(h.a, "w1").at(0)["pgid"].get<long long>();
  e2e::kill_supervisor(h.a);
  ::kill(static_cast<pid_t>(-pgid), SIGKILL);
  auto killed = std::chrono::steady_clock::now();
  e2e::write_text(flag, "");  // the resumed turn will find it and finish
  REQUIRE(e2e::wait_until([&] { return h.host_of("w1") == "host-b"; }, e2e::kDeadline));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - killed);
  MESSAGE("takeover after SIGKILL: " << took.count() << " ms (lease 2 s, tick 200 ms)");

  REQUIRE(e2e::wait_state(h.a, "w1", "completed"));
  // The resumed turn ran on host b, with the note; the interrupted one is host a's.
  auto recs = e2e::records(h.b, "w1");
  REQUIRE(recs.size() == 1);
  CHECK(contains(recs[0]["text"].get<std::string>(), "runs on another host"));
  CHECK(e2e::sql(h.a,
                 "SELECT host || ':' || coalesce(outcome, 'open') FROM turns WHERE agent = 'w1' "
                 "ORDER BY id") == "host-a:interrupted\nhost-b:completed");
  CHECK(e2e::sql(h.a, "SELECT token FROM leases WHERE agent = 'w1'") == "2");
  CHECK(e2e::sql_int(h.a,
                     "SELECT count(*) FROM events WHERE agent = 'w1' AND kind = 'host_lost' "
                     "AND " +
                         e2e::json_field("data", "host") + " = 'host-a'") == 1);
  CHECK(e2e::sql(h.a, "SELECT coalesce(lost_by, '') FROM hosts WHERE name = 'host-a'") == "host-b");
  CHECK(e2e::mail_list(h.a, {"--to", "boss", "--type", "worker_done"}).size() == 1);
  CHECK(e2e::mail_list(h.a, {"--to", "boss", "--type", "worker_died"}).empty());
  e2e::check_mail_invariants(h.a, "w1");
  // An agent process of host a's turn that outlived it (a paused VM) writes nothing now:
  // its `drover mail send` is fenced by the turn's lease, and its message is not stored.
  auto late_env = h.on_a();
  late_env.env["DROVER_AGENT"] = "w1";
  late_env.env["DROVER_TURN"] =
      e2e::sql(h.a, "SELECT id FROM turns WHERE agent = 'w1' AND host = 'host-a'");
  auto late =
      h.a.drover({"mail", "send", "--to", "boss", "--subject", "late", "--body", "x"}, late_env);
  CHECK(late.code == 4);
  CHECK(contains(late.err, "lease lost: turn "));
  CHECK(contains(late.err, "host host-b holds the agent now (lease 2)"));
  CHECK(e2e::sql_int(h.a, "SELECT count(*) FROM messages WHERE subject = 'late'") == 0);
  auto lost = h.b_ok({"status"}).out;
  CHECK(contains(lost, "host-a (LOST since"));

  // Host a comes back: it enters again, and w1 (host b's now) is left alone.
  h.a_ok({"up"});
  CHECK(e2e::sql(h.a, "SELECT coalesce(lost_at, 'live') FROM hosts WHERE name = 'host-a'") ==
        "live");
  CHECK(e2e::state_of(h.a, "w1") == "completed");
  CHECK(e2e::records(h.a, "w1").size() == 1);
  h.a_ok({"down"});
  h.b_ok({"down"});
}

TEST_CASE("hosts: a stop from another host is carried out by the host that runs the turn") {
  TwoHosts h;
  h.a_ok({"up"});
  h.b_ok({"up"});
  h.a_ok({"sling", "w2", "--parent", "boss", "#!say started\n#!sh sleep 60\n" + kReportToBoss});
  wait_in_sh_step(h.a, "w2");
  // Either host may have claimed w2 (on PostgreSQL host b hears the sling's commit too);
  // the stop comes from the other one.
  const bool on_a = h.host_of("w2") == "host-a";
  const TempProject& runner = on_a ? h.a : h.b;
  long long pgid = e2e::records(runner, "w2").at(0)["pgid"].get<long long>();
  REQUIRE(e2e::group_alive(pgid));
  auto r = on_a ? h.b_ok({"stop", "w2"}) : h.a_ok({"stop", "w2"});
  CHECK(contains(r.out, "stopped w2"));
  CHECK(e2e::state_of(h.a, "w2") == "stopped");
  REQUIRE(e2e::wait_until([&] { return !e2e::group_alive(pgid); }, e2e::kDeadline));
  CHECK(e2e::sql(h.a,
                 "SELECT host || ':' || coalesce(outcome, 'open') FROM turns WHERE agent = 'w2'") ==
        (on_a ? "host-a:stopped" : "host-b:stopped"));
  CHECK(e2e::mail_list(h.a, {"--to", "boss", "--type", "worker_died"}).size() == 1);
  e2e::check_mail_invariants(h.a, "w2");
  h.a_ok({"down"});
  h.b_ok({"down"});
}

TEST_CASE("hosts: on PostgreSQL a commit on one host wakes the host that runs the agent") {
  if (!e2e::on_postgresql()) {
    MESSAGE("skipped: on SQLite hosts wake each other only at their poll tick");
    return;
  }
  // Ticks far apart: only the notification can wake host a within the deadline below.
  TwoHosts h(kSlowTicks);
  h.a_ok({"up"});
  h.a_ok({"sling", "w3", "--capability", "coordinator", "#!say hello"});
  REQUIRE(e2e::wait_idle_after(h.a, "w3", 1));
  h.b_ok({"up"});
  // A nudge from host b: its own supervisor is poked and leaves w3 (host a's) alone; host a
  // hears the commit. wait_idle_after's deadline (20 s) is far inside host a's 120 s tick.
  auto sent = std::chrono::steady_clock::now();
  h.b_ok({"nudge", "w3", "#!say again"});
  REQUIRE(e2e::wait_idle_after(h.a, "w3", 2));
  auto took = std::chrono::duration_cast<std::chrono::milliseconds>(
      std::chrono::steady_clock::now() - sent);
  MESSAGE("nudge from host b to a turn settled on host a: " << took.count() << " ms");
  CHECK(e2e::sql(h.a, "SELECT host FROM turns WHERE agent = 'w3' ORDER BY id") == "host-a\nhost-a");
  (void)h.a.drover({"down"}, h.on_a());
  (void)h.b.drover({"down"}, h.on_b());
}

TEST_CASE("hosts: on PostgreSQL a host woken by another host's commit reads its config first") {
  if (!e2e::on_postgresql()) {
    MESSAGE("skipped: on SQLite hosts wake each other only at their poll tick");
    return;
  }
  // Host a learns of the agent only from the notification (its tick is 120 s away, and
  // host b runs no supervisor to be poked), right after a runtime was added to its config.
  TwoHosts h(kSlowTicks);
  h.a_ok({"up"});
  const std::string other = "\n[runtimes.other]\ncommand = [\"" + e2e::agent_bin() + "\"]\n";
  for (const TempProject* p : {&h.a, &h.b}) {
    auto file = p->root() / ".drover/config.toml";
    auto tmp = file;
    tmp += ".new";
    e2e::write_text(tmp, e2e::read_text(file) + other);
    std::filesystem::rename(tmp, file);  // as an editor saves
  }
  h.b_ok({"sling", "w5", "--runtime", "other", "--capability", "coordinator", "--no-start",
          "#!say hi"});
  REQUIRE(e2e::wait_idle_after(h.a, "w5", 1));
  CHECK(e2e::sql(h.a, "SELECT host || ':' || outcome FROM turns WHERE agent = 'w5'") ==
        "host-a:waiting");
  (void)h.a.drover({"down"}, h.on_a());
}
