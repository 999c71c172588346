#pragma once
// Start-up recovery (SPEC §7): settle turns that never ended, kill orphans of dead
// runners (identity verified), and resume or retire interrupted agents.
#include <map>
#include <set>
#include <string>
#include <vector>

#include "core/clock.h"
#include "runner/runner.h"

namespace drover::supervisor {

struct RecoveryReport {
  int turns_interrupted = 0;
  int orphans_killed = 0;
  int resumed = 0;  // back to between_turns with a note (after a backoff when it counted)
  int stale = 0;
  int zombies = 0;      // interrupted too often in a row (core/interruptions.h)
  int failed = 0;       // could not be recovered (the disk is full, say): tried again later
  std::string failure;  // the last of those errors
};

// "N interrupted turn(s) settled, N orphan(s) killed, N agent(s) resumed, N stale", then
// what else happened, only when it did (zombies, agents not recovered and why): the log
// says what happened, never more.
std::string summary(const RecoveryReport& rep);
// Whether anything happened at all.
bool any(const RecoveryReport& rep);

// At start-up, before anything is scheduled. Each agent is repaired holding its turn lock;
// agents whose lock a live runner (e.g. `drover turn`) holds are left to it.
RecoveryReport recover(runner::RunnerContext& ctx);

// While running (each poll): agents that are in_turn or have an unfinished turn, that are
// not in `own` (the supervisor's running turns) and whose turn lock nobody holds lost their
// runner (a `drover turn` killed, say). Each is recovered as at start-up, except that an
// idle agent is never made stale here. Kills a verified orphan synchronously (bounded by
// kill_grace + 5 s): rare, and the agent must not run twice.
// One agent, for a process about to run its turn itself (`drover turn`): when it needs a
// runner (in_turn, or a turn that never ended) and nobody holds its turn lock, its runner
// died and it is recovered as by adopt_dead_runners.
RecoveryReport recover_if_runner_died(runner::RunnerContext& ctx, const std::string& agent);

// Agents whose recovery failed (a full disk, say) and when each may be tried again: after
// 1 s, doubling per failure up to 30 s, instead of at every poll (each attempt logs).
class RecoveryRetries {
 public:
  bool due(const std::string& agent, SteadyPoint now) const;
  void failed(const std::string& agent, SteadyPoint now);
  void succeeded(const std::string& agent) { waiting_.erase(agent); }

 private:
  struct Waiting {
    int failures = 0;
    SteadyPoint next;
  };
  std::map<std::string, Waiting> waiting_;
};

// Agents this host just took over from a lost host (supervisor/host_watch.h): each is
// recovered as after a dead runner — its open turn interrupted, resumed with a note saying
// its host was lost, or stale when too old.
RecoveryReport recover_taken_over(runner::RunnerContext& ctx,
                                  const std::vector<std::string>& agents);

// `retries`, when given, spaces out the attempts on agents whose recovery keeps failing.
RecoveryReport adopt_dead_runners(runner::RunnerContext& ctx, const std::set<std::string>& own,
                                  RecoveryRetries* retries = nullptr);

}  // namespace drover::supervisor
