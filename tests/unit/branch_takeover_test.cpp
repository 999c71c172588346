// plan_takeover (core/branch_takeover.h): what a host does before a turn of a worktree agent
// when the project has a remote, for every combination of the facts.
#include <doctest/doctest.h>

#include "core/branch_takeover.h"

using namespace drover;

namespace {

const std::string kTakeoverA(40, 'a'), kTakeoverB(40, 'b');

TakeoverPlan takeover_plan(const TakeoverFacts& f) {
  return plan_takeover(f, "drover/alice", "origin");
}

bool takeover_has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("takeover: a worktree on this host is kept, whatever else is known") {
  TakeoverFacts f;
  f.worktree_here = true;
  f.remote_asked = true;
  f.remote_error = "fatal: unreachable";
  CHECK(takeover_plan(f).action == TakeoverAction::keep);
}

TEST_CASE("takeover: this host's branch at the recorded sha is used without asking the remote") {
  TakeoverFacts f;
  f.recorded_sha = kTakeoverA;
  f.local_sha = kTakeoverA;
  auto p = takeover_plan(f);
  CHECK(p.action == TakeoverAction::restore_local);
  CHECK(p.sha == kTakeoverA);
  f.local_sha = kTakeoverB;  // a stale branch of an earlier stay on this host
  CHECK(takeover_plan(f).action == TakeoverAction::ask_remote);
  f.local_sha.reset();
  CHECK(takeover_plan(f).action == TakeoverAction::ask_remote);
  f.recorded_sha.reset();  // nothing recorded: a local branch proves nothing
  f.local_sha = kTakeoverA;
  CHECK(takeover_plan(f).action == TakeoverAction::ask_remote);
}

TEST_CASE("takeover: the remote's branch at the recorded sha is fetched") {
  TakeoverFacts f;
  f.recorded_sha = kTakeoverA;
  f.remote_asked = true;
  f.remote_sha = kTakeoverA;
  auto p = takeover_plan(f);
  CHECK(p.action == TakeoverAction::restore_remote);
  CHECK(p.sha == kTakeoverA);
  CHECK(p.reason.empty());
}

TEST_CASE("takeover: every other answer of the remote starts fresh, saying why") {
  TakeoverFacts f;
  f.remote_asked = true;
  f.recorded_sha = kTakeoverA;

  f.remote_error = "fatal: 'origin' does not appear to be a git repository";
  auto p = takeover_plan(f);
  CHECK(p.action == TakeoverAction::fresh);
  CHECK(takeover_has(p.reason, "could not be reached"));
  CHECK(takeover_has(p.reason, "does not appear to be a git repository"));
  f.remote_error.reset();

  p = takeover_plan(f);  // no such branch, though it was pushed
  CHECK(p.action == TakeoverAction::fresh);
  CHECK(takeover_has(p.reason, "drover/alice is not on 'origin'"));
  CHECK(takeover_has(p.reason, kTakeoverA.substr(0, 12)));

  f.remote_sha = kTakeoverB;  // another commit than the one recorded
  p = takeover_plan(f);
  CHECK(p.action == TakeoverAction::fresh);
  CHECK(takeover_has(p.reason,
                     "is at " + kTakeoverB.substr(0, 12) + ", not at " + kTakeoverA.substr(0, 12)));

  f.recorded_sha.reset();  // a branch nobody recorded pushing
  p = takeover_plan(f);
  CHECK(p.action == TakeoverAction::fresh);
  CHECK(takeover_has(p.reason, "no push of it was recorded"));

  f.remote_sha.reset();  // never pushed at all
  p = takeover_plan(f);
  CHECK(p.action == TakeoverAction::fresh);
  CHECK(takeover_has(p.reason, "never pushed"));
}

TEST_CASE("takeover: the fresh-start note names the branch, the remote, the reason and the base") {
  std::string n = fresh_start_note("drover/alice", "origin",
                                   "branch drover/alice is not on 'origin'", "main", kTakeoverB);
  CHECK(takeover_has(n, "drover/alice"));
  CHECK(takeover_has(n, "'origin'"));
  CHECK(takeover_has(n, "is not on 'origin'"));
  CHECK(takeover_has(n, "from main (" + kTakeoverB.substr(0, 12) + ")"));
  CHECK(takeover_has(n, "not in it"));
}

TEST_CASE("takeover: a worktree here is left behind when a push from elsewhere moved the branch") {
  TakeoverFacts f;
  f.worktree_here = true;
  f.recorded_sha = kTakeoverB;
  f.pushed_elsewhere = true;
  f.local_sha = kTakeoverA;  // this host's branch is where the agent was when it left
  CHECK(takeover_plan(f).action == TakeoverAction::ask_remote);
  f.remote_asked = true;
  f.remote_sha = kTakeoverB;
  CHECK(takeover_plan(f).action == TakeoverAction::restore_remote);
  f.local_sha = kTakeoverB;  // already at the pushed commit (this host fetched it, or pushed it)
  CHECK(takeover_plan(f).action == TakeoverAction::keep);
  f.local_sha = kTakeoverA;
  f.pushed_elsewhere = false;  // our own push: a failed later push must not cost our worktree
  CHECK(takeover_plan(f).action == TakeoverAction::keep);
}
