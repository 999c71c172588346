#pragma once
// The supervisor's event loop, run with wake-up pacing (core/wake_pacing.h): returns when
// the io_context stops or runs out of work, as io_context::run() does.
#include <cstddef>
#include <functional>

#include "core/duration.h"

namespace boost::asio {
class io_context;
}

namespace drover::supervisor {

// Below this many running turns the loop is never paced (paced_loop.cpp), and nothing a
// turn streams is held longer than with one turn.
constexpr std::size_t kPacedFromTurns = 16;

// How long what running turns stream may wait to be written (docs/decisions.md): their
// events in the loop's batch (runner/event_batch.h), and each turn's transcript lines
// (RunnerContext::transcript_hold), and each turn's last_activity refresh
// (RunnerContext::activity_every). From kPacedFromTurns turns on, longer: fewer, larger
// transactions, far fewer transcript writes, and fewer session rows rewritten.
struct WriteHolds {
  Millis events;
  Millis transcript;
  Millis activity;  // how often a streaming turn refreshes its session's last_activity
};
WriteHolds write_holds(std::size_t running);

// Whether the poll tick numbered `tick` searches the store for agents whose runner died.
// The search reads every in_turn session (~2 ms a tick with 1,000 running turns), so from
// kPacedFromTurns running turns on it runs on every 5th tick only: such an agent is then
// recovered within 5 poll intervals instead of 1 (docs/decisions.md).
bool search_dead_runners(std::size_t tick, std::size_t running);

struct LoopRounds {
  std::size_t rounds = 0;  // times the loop woke (or found work without waiting)
  std::size_t paced = 0;   // of them, rounds after which it waited out the quantum
};

// `running` says how many turns run now; it is asked once per round of the loop.
LoopRounds run_paced(boost::asio::io_context& io, const std::function<std::size_t()>& running);

}  // namespace drover::supervisor
