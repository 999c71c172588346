#include <doctest/doctest.h>
#include <signal.h>

#include "core/stop_sequence.h"

using namespace drover;
using std::chrono::milliseconds;
using StopKind = StopSequence::Next::Kind;

namespace {
const SteadyPoint kT0{};
StopPolicy term_then_kill() {
  return {{SIGTERM, milliseconds(2000)}, {SIGKILL, milliseconds(5000)}};
}
}  // namespace

TEST_CASE(
    "stop sequence: the first step's signal is sent at once, then it polls until the grace ends") {
  StopSequence s(term_then_kill(), milliseconds(5));
  auto n = s.next(kT0, true);
  CHECK(n.kind == StopKind::send);
  CHECK(n.signal == SIGTERM);
  n = s.next(kT0, true);
  CHECK(n.kind == StopKind::wait);
  CHECK(n.until == kT0 + milliseconds(5));
  n = s.next(kT0 + milliseconds(1998), true);
  CHECK(n.kind == StopKind::wait);
  CHECK(n.until == kT0 + milliseconds(2000));  // never past the end of the grace
}

TEST_CASE("stop sequence: a group that goes during a grace ends it, naming the last signal") {
  StopSequence s(term_then_kill(), milliseconds(5));
  (void)s.next(kT0, true);
  auto n = s.next(kT0 + milliseconds(40), false);
  CHECK(n.kind == StopKind::gone);
  CHECK(n.signal == SIGTERM);
}

TEST_CASE(
    "stop sequence: kill grace runs out, SIGKILL follows, a group that outlives it survived") {
  StopSequence s(term_then_kill(), milliseconds(5));
  CHECK(s.next(kT0, true).signal == SIGTERM);
  auto n = s.next(kT0 + milliseconds(2000), true);
  CHECK(n.kind == StopKind::send);
  CHECK(n.signal == SIGKILL);
  CHECK(s.next(kT0 + milliseconds(2001), true).kind == StopKind::wait);
  n = s.next(kT0 + milliseconds(3000), false);
  CHECK(n.kind == StopKind::gone);
  CHECK(n.signal == SIGKILL);

  StopSequence stubborn(term_then_kill(), milliseconds(5));
  (void)stubborn.next(kT0, true);
  (void)stubborn.next(kT0 + milliseconds(2000), true);
  n = stubborn.next(kT0 + milliseconds(7000), true);
  CHECK(n.kind == StopKind::survived);
  CHECK(n.signal == SIGKILL);
}

TEST_CASE(
    "stop sequence: the first signal goes out even to a group already gone, an empty policy "
    "survives") {
  StopSequence s(term_then_kill(), milliseconds(5));
  CHECK(s.next(kT0, false).kind == StopKind::send);
  CHECK(s.next(kT0, false).kind == StopKind::gone);
  StopSequence none({}, milliseconds(5));
  CHECK(none.next(kT0, true).kind == StopKind::survived);
}

TEST_CASE("stop sequence: a zero grace moves to the next step on the next call") {
  StopSequence s({{SIGINT, milliseconds(0)}, {SIGKILL, milliseconds(100)}}, milliseconds(5));
  CHECK(s.next(kT0, true).signal == SIGINT);
  auto n = s.next(kT0, true);
  CHECK(n.kind == StopKind::send);
  CHECK(n.signal == SIGKILL);
}
