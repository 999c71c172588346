// Many shells at once against a busy supervisor (issue 8, bounded for ./scripts/test):
// parallel `mail send`, `status` and `nudge` while agents stream events and settle turns.
// DROVER_CONCURRENCY_SENDS sets the sends per shell (default 125); ./scripts/concurrency
// runs the long version (8 × 1,000).
// Every command must exit 0, no "database is locked" or busy error may reach the user,
// and every message must be stored exactly once.
#include <doctest/doctest.h>

#include <atomic>
#include <cstdlib>
#include <iostream>
#include <thread>

#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/project.h"

namespace {

struct Outcome {
  int runs = 0;
  std::vector<std::string> failures;  // "exit N: stderr" of the commands that failed
};

int sends_per_shell() {
  const char* v = std::getenv("DROVER_CONCURRENCY_SENDS");
  int n = v != nullptr ? std::atoi(v) : 0;
  return n > 0 ? n : 125;
}

bool mentions_busy(const std::string& err) {
  for (const char* word : {"locked", "busy", "BUSY"})
    if (err.find(word) != std::string::npos) return true;
  return false;
}

}  // namespace

TEST_CASE(
    "concurrency: 8 shells sending mail, with status and nudge in a loop, against a busy "
    "supervisor") {
  constexpr int kShells = 8;
  const int kSendsPerShell = sends_per_shell();
  e2e::TempProject p;
  p.init_scripted("supervisor.max_concurrent_turns = 4\n");
  // Busy agents: each turn streams events for a while; the nudges below keep them going.
  for (const char* name : {"busy1", "busy2", "busy3"})
    e2e::sling(p, {name, "--capability", "coordinator", "#!slow 20 10ms"});

  std::vector<Outcome> outcomes(kShells + 1);
  std::atomic<bool> senders_done{false};
  std::vector<std::thread> shells;
  for (int s = 0; s < kShells; ++s) {
    shells.emplace_back([&, s] {
      for (int i = 0; i < kSendsPerShell; ++i) {
        std::string subject = "shell" + std::to_string(s) + "-msg" + std::to_string(i);
        e2e::Run r = e2e::run(p, {"mail", "send", "--to", i % 2 ? "busy1" : "operator", "--subject",
                                  subject, "--body", "concurrent body " + subject, "-q"});
        ++outcomes[s].runs;
        if (r.code != 0 || mentions_busy(r.err))
          outcomes[s].failures.push_back("exit " + std::to_string(r.code) + ": " + r.err);
      }
    });
  }
  shells.emplace_back([&] {
    Outcome& o = outcomes[kShells];
    for (int i = 0; !senders_done; ++i) {
      e2e::Run r = i % 2 ? e2e::run(p, {"status", "--json"})
                         : e2e::run(p, {"nudge", i % 4 ? "busy2" : "busy3", "#!slow 5 5ms", "-q"});
      ++o.runs;
      if (r.code != 0 || mentions_busy(r.err))
        o.failures.push_back("exit " + std::to_string(r.code) + ": " + r.err);
    }
  });
  for (int s = 0; s < kShells; ++s) shells[s].join();
  senders_done = true;
  shells.back().join();

  int runs = 0;
  for (const auto& o : outcomes) {
    runs += o.runs;
    for (const auto& f : o.failures) FAIL_CHECK("a concurrent command failed: " << f);
  }
  CHECK(runs >= kShells * kSendsPerShell);
  std::size_t failures = 0;
  for (const auto& o : outcomes) failures += o.failures.size();
  std::cout << "concurrency: " << runs << " commands (" << kShells << " shells x " << kSendsPerShell
            << " mail sends, " << outcomes[kShells].runs << " status/nudge), " << failures
            << " failed" << std::endl;
  // Every message stored once: as many rows as sends, and no subject twice.
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM messages WHERE subject LIKE 'shell%-msg%'") ==
        kShells * kSendsPerShell);
  CHECK(e2e::sql_int(
            p, "SELECT count(DISTINCT subject) FROM messages WHERE subject LIKE 'shell%-msg%'") ==
        kShells * kSendsPerShell);
  if (!e2e::on_postgresql()) CHECK(e2e::sql(p, "PRAGMA integrity_check") == "ok");
  // The supervisor kept working through it: busy1's 500 messages all reach it in turns.
  CHECK(e2e::wait_until(
      [&] {
        return e2e::sql_int(
                   p,
                   "SELECT count(*) FROM messages WHERE to_agent = 'busy1' AND read_at IS NULL") ==
               0;
      },
      std::chrono::seconds(60)));
}
