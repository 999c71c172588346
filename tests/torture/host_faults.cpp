// Host faults of the two-host torture (issue 19): see Torture::kill_host and stall_host in
// torture.h.
#include <signal.h>
#include <unistd.h>

#include <thread>

#include "procs.h"
#include "support/processes.h"
#include "torture.h"

namespace torture {

using namespace e2e;

namespace {

// Sleeps `ms`, in short steps so that the end of the chaos cuts it short.
void nap(int ms, const std::atomic<bool>& stop) {
  for (int slept = 0; slept < ms && !stop; slept += 50)
    std::this_thread::sleep_for(std::chrono::milliseconds(50));  // pacing, not waiting
}

// The host's supervisor among its marked processes (its pid file may be stale).
pid_t live_supervisor(const Host& host) {
  pid_t pid = supervisor_pid(*host.project);
  if (pid <= 0) return 0;
  for (const auto& pr : marked_processes(host.mark))
    if (pr.pid == pid) return pid;
  return 0;
}

}  // namespace

void Torture::kill_host(std::size_t h, std::mt19937_64& rng, const std::atomic<bool>& stop) {
  const Host& host = hosts_[h];
  pid_t sup = live_supervisor(host);
  if (sup > 0) ::kill(sup, SIGKILL);
  // Then everything the host runs: its agents and what they started, its foreground
  // runners. The shells' other commands (children of this process) are not the host's:
  // they are the operator's, and finish on their own. Twice, for a process started while
  // the first pass looked.
  for (int pass = 0; pass < 2; ++pass)
    for (const auto& pr : marked_processes(host.mark))
      if (pr.ppid != ::getpid() || is_runner(pr)) ::kill(pr.pid, SIGKILL);
  count_kill("host");
  restart_after_kill(h, rng, stop);
}

void Torture::restart_after_kill(std::size_t h, std::mt19937_64& rng,
                                 const std::atomic<bool>& stop) {
  // Down for 0.2–4.5 s: about half the time within the lease (the host keeps its agents),
  // else past it (the other host takes them over, and this one enters again as new).
  int down_ms = 200 + std::uniform_int_distribution<int>(0, 4300)(rng);
  nap(down_ms, stop);
  if (down_ms > kLeaseMs) count_kill("host down past lease");
  if (stop) return;  // the rest phase brings every host up
  Run up = drover({"up"}, h);
  if (up.code == 0) return;
  std::lock_guard g(tally_.mu);
  tally_.errors.push_back(hosts_[h].name + ": drover up after a kill -> exit " +
                          std::to_string(up.code) + ": " + up.err.substr(0, 300));
}

void Torture::stall_host(std::size_t h, std::mt19937_64& rng) {
  pid_t sup = live_supervisor(hosts_[h]);
  if (sup <= 0) return;
  // Past the lease (by 0.2–3 s): a lease expiry without a death. The host's turns run on
  // meanwhile; once it is taken over, the fence must keep every one of their settles out
  // of the store.
  int stalled_ms = kLeaseMs + 200 + std::uniform_int_distribution<int>(0, 2800)(rng);
  if (::kill(sup, SIGSTOP) != 0) return;
  count_kill("supervisor stalled past lease");
  // Not cut short by the end of the chaos: the stall is the fault.
  std::this_thread::sleep_for(std::chrono::milliseconds(stalled_ms));
  ::kill(sup, SIGCONT);
}

}  // namespace torture
