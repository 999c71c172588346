#pragma once
// Queueing a nudge (SPEC §6.2): the one code path behind `drover nudge` and the live
// view's `n` key.
#include <cstdint>
#include <string>

#include "core/config.h"
#include "core/live_input.h"
#include "core/result.h"

namespace drover::store {
class Store;
}

namespace drover::cli {

struct QueuedNudge {
  std::int64_t message_id = 0;
  std::int64_t events_before = 0;  // the newest event id when it was queued (for --wait)
  NudgeDelivery delivery;          // how it goes in (core/live_input.h)
  bool in_turn = false;            // the agent was in a turn when it was queued
};

// What the operator asked for: --queue (next turn only), --interrupt.
struct NudgeWish {
  bool queue = false;
  bool interrupt = false;
};

// The default text of a nudge without a message.
inline constexpr const char* kDefaultNudgeText = "Check your mail and report your status.";

// Stores a nudge message from `from` to the live agent `agent` (it does not wake the
// supervisor: the caller does, see cli/wake.h). With a live-input runtime (from `config`)
// and no --queue, it goes into a running turn (docs/steering.md "Live nudge"). Errors:
// not_found for no such agent, conflict for a terminal one (with the `drover resume` hint).
Result<QueuedNudge> queue_nudge(store::Store& st, const Config& config, const std::string& agent,
                                const std::string& from, const std::string& text,
                                NudgeWish wish = {});

}  // namespace drover::cli
