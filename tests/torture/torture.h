#pragma once
// The torture's actors (issues 8, 15, 17 and 19): shells issuing commands, a killer
// sending SIGKILLs (and, with two hosts, killing whole hosts and stalling a supervisor past
// its lease), and a faulter injecting passing faults. They drive one swarm that runs on
// one host or on several hosts sharing one store; torture_test.cpp runs them.
#include <atomic>
#include <cstdint>
#include <map>
#include <mutex>
#include <random>
#include <string>
#include <vector>

#include "faults.h"
#include "support/command.h"
#include "support/project.h"

namespace torture {

// supervisor.lease when several hosts share the store: short, so that hosts are taken over
// within an iteration.
constexpr int kLeaseMs = 2000;

// What the shells and the killer did, and what they saw.
struct Tally {
  std::mutex mu;
  std::vector<std::string> agents;       // slung successfully
  std::vector<std::string> live;         // not terminal at the last status --json
  std::vector<std::string> in_turn;      // in a turn at the last status --json
  std::vector<std::string> tokens;       // subjects/bodies of mail whose command exited 0
  std::vector<std::string> errors;       // unexpected exit codes, busy errors
  std::map<std::string, long> commands;  // per kind, run
  std::map<std::string, long> kills;     // per target, SIGKILLs (and host faults) sent
  long fenced_turns = 0;                 // `drover turn` runs that said "lease lost: "
  // Odd while config.toml is invalid: a command that overlapped such a window may refuse
  // to start turns (exit 5, SPEC §6: only stop, status, log, mail and doctor must work).
  std::atomic<long> config_invalid{0};

  // Mostly a live agent (so that mail makes turns), sometimes any agent.
  std::string random_agent(std::mt19937_64& rng);
  // An agent in a turn at the last status --json, else random_agent.
  std::string agent_in_turn(std::mt19937_64& rng);
};

// One host of the swarm: a checkout, the environment its drover commands get (host id,
// the shared store, the run's marker for this host), its name. With one host the name is
// empty and the environment is the plain agent environment plus the marker.
struct Host {
  const e2e::TempProject* project = nullptr;
  e2e::RunOptions opts;
  std::string name;
  std::string mark;  // DROVER_TORTURE_MARK of every process this host runs
};

class Torture {
 public:
  explicit Torture(std::vector<Host> hosts) : hosts_(std::move(hosts)) {}

  const std::vector<Host>& hosts() const { return hosts_; }
  bool several_hosts() const { return hosts_.size() > 1; }
  e2e::Run drover(const std::vector<std::string>& args, std::size_t host = 0) const {
    return hosts_.at(host).project->drover(args, hosts_.at(host).opts);
  }

  // One command from a shell on `host`: records it and flags any exit code not in
  // `allowed` and any busy error that reached the user.
  void shell_command(const std::string& kind, std::size_t host,
                     const std::vector<std::string>& args, std::initializer_list<int> allowed,
                     const std::string& token = "");
  // `gates --json`, then `decide ID yes` for each open gate; how many were open.
  std::size_t decide_open_gates(const std::string& kind, std::size_t host = 0);

  // Threads of one iteration; each runs until `stop`.
  void shell(std::uint64_t seed, int iteration, int index, const std::atomic<bool>& stop);
  void killer(std::uint64_t seed, const std::atomic<bool>& stop);
  // Passing faults on the first host's supervisor and config (issue 15).
  void faulter(std::uint64_t seed, const std::atomic<bool>& stop, PidsCgroup& pids);

  // `drover up` on every host; false (with the reason in the tally) when one fails.
  bool bring_up_all();
  std::string fault_summary();
  void check_invariants(const std::string& when);
  Tally& tally() { return tally_; }

 private:
  // Host faults (host_faults.cpp), two hosts and more: the whole host SIGKILLed — its
  // supervisor and every process its agents and runners run — and brought back with
  // `drover up` after a random time, within the lease or past it; or its supervisor
  // SIGSTOPped past the lease, then SIGCONTed, its turns running on.
  void kill_host(std::size_t host, std::mt19937_64& rng, const std::atomic<bool>& stop);
  void stall_host(std::size_t host, std::mt19937_64& rng);
  void restart_after_kill(std::size_t host, std::mt19937_64& rng, const std::atomic<bool>& stop);
  void count_kill(const std::string& kind);

  std::vector<Host> hosts_;
  Tally tally_;
  FaultTally faults_;
};

}  // namespace torture
