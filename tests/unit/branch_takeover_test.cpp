// plan_takeover (core/branch_takeover.h): what a host does before a turn of a worktree agent
// when the project has a remote, for every combination of the facts.
#include <doctest/doctest.h>

#include "core/branch_takeover.h"

using namespace drover;

namespace {

const std::string kA(40, 'a'), kB(40, 'b');

TakeoverPlan plan(const TakeoverFacts& f) { return plan_takeover(f, "drover/alice", "origin"); }

bool has(const std::string& s, const std::string& part) {
  return s.find(part) != std::string::npos;
}

}  // namespace

TEST_CASE("takeover: a worktree on this host is kept, whatever else is known") {
  TakeoverFacts f;
  f.worktree_here = true;
  f.remote_asked = true;
  f.remote_error = "fatal: unreachable";
  CHECK(plan(f).action == TakeoverAction::keep);
}

TEST_CASE("takeover: this host's branch at the recorded sha is used without asking the remote") {
  TakeoverFacts f;
  f.recorded_sha = kA;
  f.local_sha = kA;
  auto p = plan(f);
  CHECK(p.action == TakeoverAction::restore_local);
  CHECK(p.sha == kA);
  f.local_sha = kB;  // a stale branch of an earlier stay on this host
  CHECK(plan(f).action == TakeoverAction::ask_remote);
  f.local_sha.reset();
  CHECK(plan(f).action == TakeoverAction::ask_remote);
  f.recorded_sha.reset();  // nothing recorded: a local branch proves nothing
  f.local_sha = kA;
  CHECK(plan(f).action == TakeoverAction::ask_remote);
}

TEST_CASE("takeover: the remote's branch at the recorded sha is fetched") {
  TakeoverFacts f;
  f.recorded_sha = kA;
  f.remote_asked = true;
  f.remote_sha = kA;
  auto p = plan(f);
  CHECK(p.action == TakeoverAction::restore_remote);
  CHECK(p.sha == kA);
  CHECK(p.reason.empty());
}

TEST_CASE("takeover: every other answer of the remote starts fresh, saying why") {
  TakeoverFacts f;
  f.remote_asked = true;
  f.recorded_sha = kA;

  f.remote_error = "fatal: 'origin' does not appear to be a git repository";
  auto p = plan(f);
  CHECK(p.action == TakeoverAction::fresh);
  CHECK(has(p.reason, "could not be reached"));
  CHECK(has(p.reason, "does not appear to be a git repository"));
  f.remote_error.reset();

  p = plan(f);  // no such branch, though it was pushed
  CHECK(p.action == TakeoverAction::fresh);
  CHECK(has(p.reason, "drover/alice is not on 'origin'"));
  CHECK(has(p.reason, kA.substr(0, 12)));

  f.remote_sha = kB;  // another commit than the one recorded
  p = plan(f);
  CHECK(p.action == TakeoverAction::fresh);
  CHECK(has(p.reason, "is at " + kB.substr(0, 12) + ", not at " + kA.substr(0, 12)));

  f.recorded_sha.reset();  // a branch nobody recorded pushing
  p = plan(f);
  CHECK(p.action == TakeoverAction::fresh);
  CHECK(has(p.reason, "no push of it was recorded"));

  f.remote_sha.reset();  // never pushed at all
  p = plan(f);
  CHECK(p.action == TakeoverAction::fresh);
  CHECK(has(p.reason, "never pushed"));
}

TEST_CASE("takeover: the fresh-start note names the branch, the remote, the reason and the base") {
  std::string n = fresh_start_note("drover/alice", "origin",
                                   "branch drover/alice is not on 'origin'", "main", kB);
  CHECK(has(n, "drover/alice"));
  CHECK(has(n, "'origin'"));
  CHECK(has(n, "is not on 'origin'"));
  CHECK(has(n, "from main (" + kB.substr(0, 12) + ")"));
  CHECK(has(n, "not in it"));
}
