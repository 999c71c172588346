// Crash torture (issue 8): a seeded random mix of scripted agents under a running
// supervisor, with parallel shells slinging, mailing, nudging, stopping and running
// `drover turn`, while a killer SIGKILLs the supervisor, foreground runners and agents at
// random moments. The runtime has live input (issue 17): nudges go into running turns
// (also with --interrupt), shells pause and unpause agents (sometimes --now, sometimes the
// E-stop for a moment), agents ask approval gates and shells decide them. After each
// iteration every pause is lifted and every gate decided, the project is brought to rest
// and the invariants (invariants.h) are checked; after `drover down` no process of the run
// may be alive.
//
// DROVER_TORTURE_ITERATIONS (default 2), DROVER_TORTURE_SEED (default: from the clock,
// printed), DROVER_TORTURE_SECONDS (chaos per iteration, default 4). ./scripts/torture
// sets them from its flags.
#include <doctest/doctest.h>
#include <signal.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <mutex>
#include <random>
#include <thread>

#include "faults.h"
#include "invariants.h"
#include "os/file_lock.h"
#include "procs.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/processes.h"
#include "support/project.h"

namespace {

using namespace e2e;
using namespace torture;
using namespace std::chrono_literals;
using Clock = std::chrono::steady_clock;

std::string last_lines(const std::filesystem::path& file, std::size_t n) {
  std::string text = torture::slurp(file.string());
  std::size_t at = text.size();
  for (std::size_t seen = 0; at > 0 && seen <= n;)
    if (text[--at] == '\n') ++seen;
  return text.substr(at);
}

long env_number(const char* name, long fallback) {
  const char* v = std::getenv(name);
  return v != nullptr && *v != '\0' ? std::strtol(v, nullptr, 10) : fallback;
}

// What each agent does in a turn: directives for the scripted agent. Builders report with
// worker_done, so "answer" completes; coordinators never complete by themselves.
struct Behaviour {
  const char* name;
  const char* text;
};
constexpr Behaviour kBehaviours[] = {
    {"answer", "#!say done\n#!mail --to hub --type worker_done --subject done --body finished"},
    {"chat", "#!say thinking about it"},
    {"slow", "#!slow 6 150ms"},
    {"mail", "#!mail --to hub --subject note --body \"a note from a worker\"\n#!say mailed"},
    {"stall", "#!say starting\n#!sleep 30s"},
    {"deaf", "#!ignore-sigterm\n#!say not listening\n#!sleep 30s"},
    {"grandchild", "#!grandchild 30s\n#!say left a child behind"},
    {"garbage", "#!garbage\n#!say after the garbage"},
    {"fail", "#!stderr something broke\n#!exit 3"},
    {"no-result", "#!say no result follows\n#!no-result"},
    {"orphan", "#!fork-exit"},  // the main process exits, a group member lives on for 2 s
    {"member", "#!member 30s member.pid\n#!say left a member behind"},  // outlives the leader
    {"daemon", "#!daemon 30s daemon.pid\n#!say started a daemon"},      // setsid: out of the group
    // An approval gate: the turn ends waiting for a decision, which a shell (or the rest
    // phase) gives; builders stay between turns after it, as with "chat".
    {"ask", "#!sh ${DROVER_BIN:-drover} ask \"proceed?\"\n#!say asked, waiting for a decision"},
};

struct Tally {
  std::mutex mu;
  std::vector<std::string> agents;       // slung successfully
  std::vector<std::string> live;         // not terminal at the last status --json
  std::vector<std::string> in_turn;      // in a turn at the last status --json
  std::vector<std::string> tokens;       // subjects/bodies of mail whose command exited 0
  std::vector<std::string> errors;       // unexpected exit codes, busy errors
  std::map<std::string, long> commands;  // per kind, run
  std::map<std::string, long> kills;     // per target, SIGKILLs sent
  // Odd while config.toml is invalid: a command that overlapped such a window may refuse
  // to start turns (exit 5, SPEC §6: only stop, status, log, mail and doctor must work).
  std::atomic<long> config_invalid{0};

  // Mostly a live agent (so that mail makes turns), sometimes any agent.
  std::string random_agent(std::mt19937_64& rng) {
    std::lock_guard g(mu);
    const auto& from =
        !live.empty() && std::uniform_int_distribution<int>(0, 4)(rng) > 0 ? live : agents;
    if (from.empty()) return "hub";
    return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
  }

  // An agent in a turn at the last status --json, else random_agent.
  std::string agent_in_turn(std::mt19937_64& rng) {
    {
      std::lock_guard g(mu);
      if (!in_turn.empty())
        return in_turn[std::uniform_int_distribution<std::size_t>(0, in_turn.size() - 1)(rng)];
    }
    return random_agent(rng);
  }
};

class Torture {
 public:
  Torture(const TempProject& p, std::string mark) : p_(p), mark_(std::move(mark)) {
    opts_ = agent_opts(p);
    opts_.env["DROVER_TORTURE_MARK"] = mark_;
  }

  Run drover(std::vector<std::string> args) const { return p_.drover(args, opts_); }

  // One command from a shell: records it and flags any exit code not in `allowed` and any
  // busy error that reached the user.
  void shell_command(const std::string& kind, const std::vector<std::string>& args,
                     std::initializer_list<int> allowed, const std::string& token = "") {
    Run r;
    const long config_before = tally_.config_invalid;
    try {
      r = drover(args);
    } catch (...) {
      r.code = -1;
      r.err = "could not run the command";
    }
    std::lock_guard g(tally_.mu);
    ++tally_.commands[kind];
    bool fine = std::find(allowed.begin(), allowed.end(), r.code) != allowed.end();
    // A foreground runner the killer SIGKILLed.
    if (kind == "turn" && r.code == 128 + SIGKILL) fine = true;
    bool config_was_invalid = config_before % 2 == 1 || tally_.config_invalid != config_before;
    if (r.code == 5 && config_was_invalid && kind != "status" && kind != "stop") fine = true;
    bool busy = r.err.find("database is locked") != std::string::npos ||
                r.err.find("SQLITE_BUSY") != std::string::npos;
    if (!fine || busy)
      tally_.errors.push_back("drover " + args.at(0) + " " + (args.size() > 1 ? args[1] : "") +
                              " -> exit " + std::to_string(r.code) + ": " + r.err.substr(0, 300));
    if (r.code == 0 && kind == "sling") tally_.agents.push_back(args.at(1));
    if (r.code == 0 && kind == "status") {
      auto doc = nlohmann::json::parse(r.out, nullptr, false);
      if (doc.is_discarded() || !doc.contains("agents")) {
        tally_.errors.push_back("status --json printed no agents document: " +
                                r.out.substr(0, 200));
      } else {
        tally_.live.clear();
        tally_.in_turn.clear();
        for (const auto& a : doc["agents"]) {
          std::string st = a.value("state", "");
          if (st == "in_turn") tally_.in_turn.push_back(a.value("name", ""));
          if (st == "booting" || st == "in_turn" || st == "between_turns")
            tally_.live.push_back(a.value("name", ""));
        }
      }
    }
    if (r.code == 0 && !token.empty()) tally_.tokens.push_back(token);
  }

  // `gates --json`, then `decide ID yes` for each open gate (as the operator, who may
  // decide any gate). Another shell may decide it first, or its asker be stopped: 4.
  // Returns how many gates were open.
  std::size_t decide_open_gates(const std::string& kind) {
    Run r;
    try {
      r = drover({"gates", "--json"});
    } catch (...) {
      r.code = -1;
    }
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    if (r.code != 0 || doc.is_discarded() || !doc.contains("gates")) {
      std::lock_guard g(tally_.mu);
      tally_.errors.push_back("drover gates --json -> exit " + std::to_string(r.code) + ": " +
                              r.err.substr(0, 200) + r.out.substr(0, 200));
      return 0;
    }
    for (const auto& gate : doc["gates"])
      shell_command(kind, {"decide", std::to_string(gate.value("id", 0LL)), "yes"}, {0, 4});
    return doc["gates"].size();
  }

  void shell(std::uint64_t seed, int iteration, int index, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(seed);
    int n = 0;
    auto pick = [&](int k) { return std::uniform_int_distribution<int>(0, k - 1)(rng); };
    while (!stop) {
      std::string id =
          "i" + std::to_string(iteration) + "s" + std::to_string(index) + "n" + std::to_string(n++);
      const Behaviour& b = kBehaviours[pick(static_cast<int>(std::size(kBehaviours)))];
      int action = pick(100);
      if (action < 16) {
        std::string cap = pick(3) == 0 ? "coordinator" : "builder";
        shell_command("sling",
                      {"sling", "w" + id, "--capability", cap, "--parent", "hub",
                       std::string("task ") + id + " (" + b.name + ")\n" + b.text},
                      {0});
      } else if (action < 40) {
        std::string to = tally_.random_agent(rng);
        std::string token = "mail-" + id;
        shell_command("mail",
                      {"mail", "send", "--to", to, "--subject", token, "--body",
                       std::string(b.name) + "\n" + b.text},
                      {0, 4}, token);
      } else if (action < 54) {
        // The runtime has live input: a nudge to an agent mid-turn goes into that turn
        // (--interrupt first stops what it is doing), else it waits for the next turn
        // (always so with --queue).
        std::string token = "nudge-" + id;
        if (pick(3) > 0) shell_command("status", {"status", "--json"}, {0});  // who is mid-turn
        std::vector<std::string> args{"nudge", tally_.agent_in_turn(rng), token};
        int how = pick(7);
        if (how < 2) args.push_back("--interrupt");
        else if (how == 2) args.push_back("--queue");
        shell_command(how < 2    ? "nudge-interrupt"
                      : how == 2 ? "nudge-queue"
                                 : "nudge",
                      args, {0, 4}, token);
      } else if (action < 59) {
        std::string victim = tally_.random_agent(rng);
        if (victim != "hub") shell_command("stop", {"stop", victim, "--grace", "300ms"}, {0, 4});
      } else if (action < 71) {
        shell_command("status", {"status", "--json"}, {0});
      } else if (action < 75) {
        if (pick(4) == 0)
          shell_command("pause-now", {"pause", tally_.agent_in_turn(rng), "--now"}, {0, 4});
        else shell_command("pause", {"pause", tally_.random_agent(rng)}, {0, 4});
      } else if (action < 79) {
        shell_command("unpause", {"unpause", tally_.random_agent(rng)}, {0, 4});
      } else if (action < 81) {
        // The E-stop, briefly.
        shell_command("pause-all", {"pause", "--all"}, {0});
        std::this_thread::sleep_for(std::chrono::milliseconds(100 + pick(300)));  // its length
        shell_command("unpause-all", {"unpause", "--all"}, {0});
      } else if (action < 86) {
        decide_open_gates("decide");
      } else {
        // A foreground runner racing the supervisor for the turn lock, with slow work to
        // give the killer a window.
        std::string to = tally_.random_agent(rng);
        std::string token = "mail-" + id;
        shell_command("mail",
                      {"mail", "send", "--to", to, "--subject", token, "--body", "#!slow 8 150ms"},
                      {0, 4}, token);
        shell_command("turn", {"turn", to, "--lock-timeout", "1s"}, {0, 1, 4});
      }
      std::this_thread::sleep_for(
          std::chrono::milliseconds(20 + pick(150)));  // pacing, not waiting
    }
  }

  void killer(std::uint64_t seed, const std::atomic<bool>& stop) {
    std::mt19937_64 rng(seed);
    auto pick = [&](int k) { return std::uniform_int_distribution<int>(0, k - 1)(rng); };
    while (!stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(150 + pick(500)));  // pacing
      int what = pick(100);
      auto procs = torture::marked_processes(mark_);
      std::vector<torture::Proc> targets;
      std::string kind;
      if (what < 30) {
        kind = "supervisor";
        pid_t pid = supervisor_pid(p_);
        for (const auto& pr : procs)
          if (pr.pid == pid) targets.push_back(pr);
      } else if (what < 55) {
        kind = "runner";
        for (const auto& pr : procs)
          if (torture::is_runner(pr)) targets.push_back(pr);
      } else {
        kind = "agent";
        for (const auto& pr : procs)
          if (torture::is_agent(pr)) targets.push_back(pr);
      }
      if (targets.empty()) continue;
      const auto& t = targets[static_cast<std::size_t>(pick(static_cast<int>(targets.size())))];
      if (::kill(t.pid, SIGKILL) == 0) {
        std::lock_guard g(tally_.mu);
        ++tally_.kills[kind];
      }
    }
  }

  // Passing faults (issue 15), one every 200–700 ms: config.toml rewritten with another
  // valid max_concurrent_turns; config.toml invalid for 150–450 ms; the supervisor's soft
  // open-file limit squeezed to a few above what it holds; its cgroup's pids.max set to
  // what it runs. Each lasts 200–600 ms and must pass: no agent fails of it, no mail is lost.
  void faulter(std::uint64_t seed, const std::atomic<bool>& stop, PidsCgroup& pids) {
    std::mt19937_64 rng(seed);
    auto pick = [&](int k) { return std::uniform_int_distribution<int>(0, k - 1)(rng); };
    auto window = [&] { return std::chrono::milliseconds(200 + pick(400)); };  // pacing
    const std::string base = torture::slurp((p_.root() / ".drover/config.toml").string());
    pid_t entered = 0;
    while (!stop) {
      std::this_thread::sleep_for(std::chrono::milliseconds(200 + pick(500)));  // pacing
      int what = pick(4);
      pid_t sup = supervisor_pid(p_);
      if (what == 0) {
        std::string text = base;
        auto at = text.find("max_concurrent_turns = ");
        if (at != std::string::npos)
          text.replace(at, text.find('\n', at) - at,
                       "max_concurrent_turns = " + std::to_string(2 + pick(7)));
        write_config(p_.root(), text);
        faults_.add("config edited");
      } else if (what == 1) {
        ++tally_.config_invalid;
        write_config(p_.root(), base + "\n[turn\nthis is not toml\n");
        std::this_thread::sleep_for(std::chrono::milliseconds(150 + pick(300)));
        write_config(p_.root(), base);
        ++tally_.config_invalid;
        faults_.add("config invalid");
      } else if (what == 2 && sup > 0) {
        std::uint64_t soft = 0, hard = 0;
        long fds = open_fds(sup);
        if (fds < 0 || !get_fd_limit(sup, soft, hard)) continue;
        // The soft limit only: raising a hard limit back needs CAP_SYS_RESOURCE, which root
        // in a container may lack, and the supervisor would then stay squeezed for good.
        auto tight = static_cast<std::uint64_t>(fds + 2 + pick(6));
        if (!set_fd_limit(sup, tight, hard)) continue;
        faults_.add("fd limit");
        std::this_thread::sleep_for(window());
        (void)set_fd_limit(sup, soft, hard);  // gone meanwhile: a new one has its own limit
      } else if (what == 3 && sup > 0 && pids.available()) {
        if (entered != sup && pids.enter(sup)) entered = sup;
        if (entered != sup) continue;
        long now = pids.current();
        if (now < 1 || !pids.set_max(std::to_string(now + pick(2)))) continue;
        faults_.add("pid limit");
        std::this_thread::sleep_for(window());
        (void)pids.set_max("max");
      }
    }
  }

  std::string fault_summary() {
    std::lock_guard g(faults_.mu);
    std::string out;
    for (const auto& [k, n] : faults_.counts) out += " " + k + "=" + std::to_string(n);
    return out;
  }

  void check_invariants(const std::string& when) {
    std::vector<std::string> tokens;
    {
      std::lock_guard g(tally_.mu);
      tokens = tally_.tokens;
    }
    torture::check_invariants(p_, tokens, when);
  }

  Tally& tally() { return tally_; }

 private:
  const TempProject& p_;
  std::string mark_;
  RunOptions opts_;
  Tally tally_;
  FaultTally faults_;
};

}  // namespace

TEST_CASE(
    "torture: random SIGKILLs of the supervisor, runners and agents lose no mail and leave no "
    "process") {
  const long iterations = env_number("DROVER_TORTURE_ITERATIONS", 2);
  const long seconds = env_number("DROVER_TORTURE_SECONDS", 4);
  const auto seed = static_cast<std::uint64_t>(
      env_number("DROVER_TORTURE_SEED",
                 static_cast<long>(Clock::now().time_since_epoch().count() % 1000000007)));
  std::cout << "torture: seed " << seed << ", " << iterations << " iteration(s) of " << seconds
            << " s"
            << " (rerun with DROVER_TORTURE_SEED=" << seed << ")" << std::endl;
  INFO("seed " << seed);

  TempProject p;
  p.init_scripted(
      "supervisor.poll_interval = \"200ms\"\n"
      "supervisor.shutdown_grace = \"1s\"\n"
      "supervisor.retry_backoff = \"100ms\"\n"
      "turn.first_output_timeout = \"5s\"\n"
      "turn.stall_timeout = \"1500ms\"\n"
      "turn.kill_grace = \"300ms\"\n");
  {
    // Live input: nudges go into running turns, --interrupt stops what the turn is doing.
    // [runtimes.scripted] is the file's last table: these keys land in it.
    auto cfg = p.root() / ".drover/config.toml";
    write_text(cfg, read_text(cfg) + "live_input = true\nlive_interrupt = true\n");
  }
  const std::string mark = "t" + std::to_string(seed) + "-" + std::to_string(::getpid());
  Torture t(p, mark);
  PidsCgroup pids("drover-torture-" + mark);
  if (!pids.available())
    std::cout << "torture: no writable cgroup v1 pids controller here: no pid-limit faults"
              << std::endl;
  {
    Run r = t.drover({"sling", "hub", "--capability", "coordinator", "#!say hub here"});
    INFO(r.err);
    REQUIRE(r.code == 0);
  }

  std::mt19937_64 seeds(seed);
  for (long it = 0; it < iterations; ++it) {
    std::atomic<bool> stop{false};
    std::vector<std::thread> threads;
    for (int s = 0; s < 3; ++s)
      threads.emplace_back([&, s, sd = seeds()] { t.shell(sd, static_cast<int>(it), s, stop); });
    threads.emplace_back([&, sd = seeds()] { t.killer(sd, stop); });
    threads.emplace_back([&, sd = seeds()] { t.faulter(sd, stop, pids); });
    std::this_thread::sleep_for(std::chrono::seconds(seconds));  // the length of the chaos
    stop = true;
    for (auto& th : threads) th.join();

    // Bring it to rest: a supervisor (it may have been killed last), then no work left.
    const auto settle_from = Clock::now();
    Run up = t.drover({"up"});
    INFO(up.err);
    REQUIRE(up.code == 0);
    CHECK(wait_until([&] { return torture::in_turn_agents_have_runners(p); }, 15s));
    // Nothing may stay held: lift every pause and the E-stop, and decide every gate, also
    // those asked while the project settles (mail carried later may ask again).
    Run unpause = t.drover({"unpause", "--all"});
    INFO(unpause.err);
    CHECK(unpause.code == 0);
    auto next_decide = Clock::now();
    bool rest = wait_until(
        [&] {
          if (Clock::now() < next_decide) return torture::at_rest(p) && torture::no_open_gates(p);
          next_decide = Clock::now() + 300ms;
          t.decide_open_gates("decide at rest");
          return torture::at_rest(p) && torture::no_open_gates(p);
        },
        90s);
    if (!rest)
      MESSAGE(
          "not at rest: "
          << sql(p,
                 "SELECT name || ' ' || state || ' ' || coalesce(state_reason,'') FROM sessions "
                 "WHERE state NOT IN ('completed','zombie','stopped','failed','stale')")
          << "\nsupervisor.log, last lines:\n"
          << last_lines(p.root() / ".drover/logs/supervisor.log", 40)
          << "\nstatus: " << t.drover({"status"}).out
          << "supervisor fds: " << open_fds(supervisor_pid(p)) << ", limits:\n"
          << torture::slurp("/proc/" + std::to_string(supervisor_pid(p)) + "/limits"));
    CHECK(rest);
    std::cout
        << "torture: iteration " << it + 1 << " at rest after "
        << std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - settle_from).count()
        << " ms" << std::endl;
    t.check_invariants("iteration " + std::to_string(it + 1));
  }

  Run down = t.drover({"down"});
  INFO(down.err);
  CHECK(down.code == 0);
  REQUIRE(wait_until([&] { return !drover::os::is_locked(supervisor_lock(p)); }, 30s));
  bool none_left = wait_until([&] { return torture::marked_processes(mark).empty(); }, 10s);
  if (!none_left)
    for (const auto& pr : torture::marked_processes(mark)) {
      MESSAGE("left behind: " << torture::describe(pr));
      ::kill(pr.pid, SIGKILL);
    }
  CHECK(none_left);
  t.check_invariants("drover down");

  auto& tally = t.tally();
  long commands = 0, kills = 0;
  std::string by_kind, by_target;
  for (const auto& [k, n] : tally.commands)
    commands += n, by_kind += " " + k + "=" + std::to_string(n);
  for (const auto& [k, n] : tally.kills) kills += n, by_target += " " + k + "=" + std::to_string(n);
  long long deaths = sql_int(p, "SELECT count(*) FROM messages WHERE type = 'worker_died'");
  std::cout << "torture: seed " << seed << ": " << iterations << " iteration(s), "
            << tally.agents.size() << " agents, " << commands << " commands (" << by_kind << " ), "
            << kills << " SIGKILLs (" << by_target << " ), faults (" << t.fault_summary() << " ), "
            << tally.tokens.size() << " messages checked, " << deaths << " worker_died, "
            << tally.errors.size() << " command errors, " << (none_left ? 0 : 1)
            << " runs with processes left; steering: "
            << sql_int(p, "SELECT count(*) FROM events WHERE kind = 'live_input'")
            << " live inputs ("
            << sql_int(p,
                       "SELECT count(*) FROM events WHERE kind = 'live_input' AND "
                       "json_extract(data, '$.interrupt') = 1")
            << " interrupting), "
            << sql_int(p, "SELECT count(*) FROM turns WHERE detail LIKE '%pause --now%'")
            << " turns ended by pause --now, "
            << sql_int(p, "SELECT count(*) FROM turns WHERE outcome = 'waiting'")
            << " turns waiting for a decision, " << sql_int(p, "SELECT count(*) FROM gates")
            << " gates ("
            << sql_int(p,
                       "SELECT count(*) FROM gates WHERE decision IS NOT NULL AND decision <> "
                       "'closed'")
            << " decided, " << sql_int(p, "SELECT count(*) FROM gates WHERE decision = 'closed'")
            << " closed)" << std::endl;
  for (const auto& e : tally.errors) MESSAGE(e);
  CHECK(tally.errors.empty());
}
