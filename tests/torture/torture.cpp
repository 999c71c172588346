// The torture's shells, killer and faulter: see torture.h.
#include "torture.h"

#include <signal.h>
#include <unistd.h>

#include <algorithm>
#include <thread>

#include "host_invariants.h"
#include "invariants.h"
#include "procs.h"
#include "support/processes.h"

namespace torture {

using namespace e2e;
using namespace std::chrono_literals;

namespace {

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

}  // namespace

std::string Tally::random_agent(std::mt19937_64& rng) {
  std::lock_guard g(mu);
  const auto& from =
      !live.empty() && std::uniform_int_distribution<int>(0, 4)(rng) > 0 ? live : agents;
  if (from.empty()) return "hub";
  return from[std::uniform_int_distribution<std::size_t>(0, from.size() - 1)(rng)];
}

std::string Tally::agent_in_turn(std::mt19937_64& rng) {
  {
    std::lock_guard g(mu);
    if (!in_turn.empty())
      return in_turn[std::uniform_int_distribution<std::size_t>(0, in_turn.size() - 1)(rng)];
  }
  return random_agent(rng);
}

void Torture::shell_command(const std::string& kind, std::size_t host,
                            const std::vector<std::string>& args,
                            std::initializer_list<int> allowed, const std::string& token) {
  Run r;
  const long config_before = tally_.config_invalid;
  try {
    r = drover(args, host);
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
    tally_.errors.push_back(hosts_.at(host).name + (several_hosts() ? ": " : "") + "drover " +
                            args.at(0) + " " + (args.size() > 1 ? args[1] : "") + " -> exit " +
                            std::to_string(r.code) + ": " + r.err.substr(0, 300));
  // A foreground runner whose host was taken over meanwhile: its settle was fenced off.
  if (kind == "turn" && r.err.find("lease lost: ") != std::string::npos) ++tally_.fenced_turns;
  if (r.code == 0 && kind == "sling") tally_.agents.push_back(args.at(1));
  if (r.code == 0 && kind == "status") {
    auto doc = nlohmann::json::parse(r.out, nullptr, false);
    if (doc.is_discarded() || !doc.contains("agents")) {
      tally_.errors.push_back("status --json printed no agents document: " + r.out.substr(0, 200));
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

// As the operator, who may decide any gate. Another shell may decide it first, or its
// asker be stopped: 4.
std::size_t Torture::decide_open_gates(const std::string& kind, std::size_t host) {
  Run r;
  try {
    r = drover({"gates", "--json"}, host);
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
    shell_command(kind, host, {"decide", std::to_string(gate.value("id", 0LL)), "yes"}, {0, 4});
  return doc["gates"].size();
}

void Torture::shell(std::uint64_t seed, int iteration, int index, const std::atomic<bool>& stop) {
  std::mt19937_64 rng(seed);
  int n = 0;
  auto pick = [&](int k) { return std::uniform_int_distribution<int>(0, k - 1)(rng); };
  while (!stop) {
    // Each command from a random host: any host may sling, mail or stop any agent.
    const std::size_t h =
        several_hosts() ? static_cast<std::size_t>(pick(static_cast<int>(hosts_.size()))) : 0;
    std::string id =
        "i" + std::to_string(iteration) + "s" + std::to_string(index) + "n" + std::to_string(n++);
    const Behaviour& b = kBehaviours[pick(static_cast<int>(std::size(kBehaviours)))];
    int action = pick(100);
    if (action < 16) {
      std::string cap = pick(3) == 0 ? "coordinator" : "builder";
      shell_command("sling", h,
                    {"sling", "w" + id, "--capability", cap, "--parent", "hub",
                     std::string("task ") + id + " (" + b.name + ")\n" + b.text},
                    {0});
    } else if (action < 40) {
      std::string to = tally_.random_agent(rng);
      std::string token = "mail-" + id;
      shell_command("mail", h,
                    {"mail", "send", "--to", to, "--subject", token, "--body",
                     std::string(b.name) + "\n" + b.text},
                    {0, 4}, token);
    } else if (action < 54) {
      // The runtime has live input: a nudge to an agent mid-turn goes into that turn
      // (--interrupt first stops what it is doing), else it waits for the next turn
      // (always so with --queue).
      std::string token = "nudge-" + id;
      if (pick(3) > 0) shell_command("status", h, {"status", "--json"}, {0});  // who is mid-turn
      std::vector<std::string> args{"nudge", tally_.agent_in_turn(rng), token};
      int how = pick(7);
      if (how < 2) args.push_back("--interrupt");
      else if (how == 2) args.push_back("--queue");
      shell_command(how < 2    ? "nudge-interrupt"
                    : how == 2 ? "nudge-queue"
                               : "nudge",
                    h, args, {0, 4}, token);
    } else if (action < 59) {
      std::string victim = tally_.random_agent(rng);
      if (victim != "hub") shell_command("stop", h, {"stop", victim, "--grace", "300ms"}, {0, 4});
    } else if (action < 71) {
      shell_command("status", h, {"status", "--json"}, {0});
    } else if (action < 75) {
      if (pick(4) == 0)
        shell_command("pause-now", h, {"pause", tally_.agent_in_turn(rng), "--now"}, {0, 4});
      else shell_command("pause", h, {"pause", tally_.random_agent(rng)}, {0, 4});
    } else if (action < 79) {
      shell_command("unpause", h, {"unpause", tally_.random_agent(rng)}, {0, 4});
    } else if (action < 81) {
      // The E-stop, briefly.
      shell_command("pause-all", h, {"pause", "--all"}, {0});
      std::this_thread::sleep_for(std::chrono::milliseconds(100 + pick(300)));  // its length
      shell_command("unpause-all", h, {"unpause", "--all"}, {0});
    } else if (action < 86) {
      decide_open_gates("decide", h);
    } else {
      // A foreground runner racing the supervisor for the turn lock, with slow work to
      // give the killer a window.
      std::string to = tally_.random_agent(rng);
      std::string token = "mail-" + id;
      shell_command("mail", h,
                    {"mail", "send", "--to", to, "--subject", token, "--body", "#!slow 8 150ms"},
                    {0, 4}, token);
      shell_command("turn", h, {"turn", to, "--lock-timeout", "1s"}, {0, 1, 4});
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20 + pick(150)));  // pacing, not waiting
  }
}

void Torture::killer(std::uint64_t seed, const std::atomic<bool>& stop) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int k) { return std::uniform_int_distribution<int>(0, k - 1)(rng); };
  while (!stop) {
    std::this_thread::sleep_for(std::chrono::milliseconds(150 + pick(500)));  // pacing
    int what = pick(100);
    std::size_t h = 0;
    if (several_hosts()) {
      // A host dies whole, or its supervisor stalls around its lease; else as below, on
      // a random host.
      h = static_cast<std::size_t>(pick(static_cast<int>(hosts_.size())));
      if (what < 10) {
        kill_host(h, rng, stop);
        continue;
      }
      if (what < 20) {
        stall_host(h, rng);
        continue;
      }
    }
    const Host& host = hosts_[h];
    auto procs = torture::marked_processes(host.mark);
    std::vector<torture::Proc> targets;
    std::string kind;
    if (what < 30) {
      kind = "supervisor";
      pid_t pid = supervisor_pid(*host.project);
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
    if (::kill(t.pid, SIGKILL) != 0) continue;
    count_kill(kind);
    // Several hosts run without autostart (a host must be able to stay down past its
    // lease): the killer brings a killed supervisor back itself.
    if (kind == "supervisor" && several_hosts()) restart_after_kill(h, rng, stop);
  }
}

// Passing faults (issue 15), one every 200–700 ms: config.toml rewritten with another
// valid max_concurrent_turns; config.toml invalid for 150–450 ms; the supervisor's soft
// open-file limit squeezed to a few above what it holds; its cgroup's pids.max set to
// what it runs. Each lasts 200–600 ms and must pass: no agent fails of it, no mail is lost.
void Torture::faulter(std::uint64_t seed, const std::atomic<bool>& stop, PidsCgroup& pids) {
  std::mt19937_64 rng(seed);
  auto pick = [&](int k) { return std::uniform_int_distribution<int>(0, k - 1)(rng); };
  auto window = [&] { return std::chrono::milliseconds(200 + pick(400)); };  // pacing
  const TempProject& p_ = *hosts_.front().project;
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

std::string Torture::fault_summary() {
  std::lock_guard g(faults_.mu);
  std::string out;
  for (const auto& [k, n] : faults_.counts) out += " " + k + "=" + std::to_string(n);
  return out;
}

void Torture::count_kill(const std::string& kind) {
  std::lock_guard g(tally_.mu);
  ++tally_.kills[kind];
}

bool Torture::bring_up_all() {
  bool ok = true;
  for (std::size_t h = 0; h < hosts_.size(); ++h) {
    Run up = drover({"up"}, h);
    if (up.code == 0) continue;
    std::lock_guard g(tally_.mu);
    tally_.errors.push_back(hosts_[h].name + " drover up -> exit " + std::to_string(up.code) +
                            ": " + up.err.substr(0, 300));
    ok = false;
  }
  return ok;
}

void Torture::check_invariants(const std::string& when) {
  std::vector<std::string> tokens;
  {
    std::lock_guard g(tally_.mu);
    tokens = tally_.tokens;
  }
  // One store: every host's rows are in the first host's database, and every host's
  // agents record their turns in the first host's record directory.
  torture::check_invariants(*hosts_.front().project, tokens, when);
  if (several_hosts()) check_leases(*hosts_.front().project, when);
}

}  // namespace torture
