#pragma once
// Pausing and unpausing agents, and the E-stop (docs/steering.md "Pause"): what `drover
// pause`/`unpause` and the live view's `p` key do. Each is one write transaction; none
// signals a process (a running turn finishes normally) or changes a session's state.
#include <optional>
#include <string>
#include <vector>

#include "core/result.h"

namespace drover::store {
class Store;
}

namespace drover::cli {

struct PauseChange {
  std::string agent;
  bool changed = false;  // false: it already was (un)paused
  std::optional<std::string> paused_at;
  std::optional<std::string> reason;
  bool in_turn = false;  // a turn is running (it finishes normally)
};

// Errors: not_found (with a suggestion) for no such agent; conflict for a finished one.
// `now` (pause --now) also records, in the same transaction, that its running turn is to
// settle as interrupted; the caller then ends that turn (runner::interrupt_turn).
Result<PauseChange> pause_agent(store::Store& st, const std::string& agent,
                                const std::string& reason, bool now = false);
Result<PauseChange> unpause_agent(store::Store& st, const std::string& agent);

struct EstopChange {
  bool changed = false;  // pause --all: false when the E-stop was already on
  std::string since;     // pause --all: when it was set
  int turns_running = 0;
  int agents_unpaused = 0;        // unpause --all: paused agents released
  std::vector<std::string> live;  // pause --all --now: the live agents (their turns end)
};

// The E-stop: no turn starts anywhere until estop_off. Recorded in the settings table.
// `now`: as pause_agent's, for every live agent.
Result<EstopChange> estop_on(store::Store& st, bool now = false);
// Clears the E-stop and every agent's own pause.
Result<EstopChange> estop_off(store::Store& st);

// For mail just sent to `agent`: "alice is paused; the mail waits …", or nullopt when no
// pause holds its next turn back.
std::optional<std::string> paused_mail_note(store::Store& st, const std::string& agent);

}  // namespace drover::cli
