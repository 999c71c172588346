#pragma once
// The settle decision (SPEC §5.4–§5.6): how a finished turn moves its session. Pure.
#include <chrono>
#include <optional>
#include <string>

#include "core/duration.h"
#include "core/failure_kind.h"
#include "core/session_state.h"
#include "core/turn_record.h"

namespace drover {

// How the child's run ended, as observed by the runner.
struct TurnObservation {
  bool stop_requested = false;  // the operator stopped the agent during the turn
  bool stop_quiet = false;      // … with stop --tree, below its top: no worker_died
  bool interrupted = false;     // supervisor shutdown stopped the turn (resumable)
  std::string interrupted_by;   // what interrupted it, when not a supervisor shutdown
  bool stalled = false;         // a watchdog budget ran out
  std::string stall_reason;     // "no output for 10m", …
  bool has_result = false;
  bool result_is_error = false;
  std::string result_text;
  std::optional<int> exit_code;  // normal exit
  std::optional<int> signal;     // killed by a signal
  std::string last_stderr_line;
  bool lost_session = false;  // --resume id unknown to the runtime (SPEC §5.2)
  bool resumed = false;       // the turn was started with --resume <id>
  std::string api_error;      // the assistant line's "error" code ("authentication_failed")
};

// Facts from the store, read inside the settle transaction.
struct SettleContext {
  bool terminal_mail_sent = false;  // one of the capability's terminal types, this turn
  // One of them sent during an earlier turn of the agent's current failure streak (the
  // turns since its last clean one): the parent has its report, so no worker_died.
  bool terminal_mail_before = false;
  bool persistent = false;  // the capability has no terminal mail types
  int live_children = 0;
  bool open_gate = false;  // the agent asked a question (drover ask) not yet decided
  int mail_arrived = 0;    // unread mail for the agent that arrived this turn
  int failed_turns = 0;    // consecutive, before this turn
  int max_failed_turns = 3;
  Millis retry_backoff{5000};
};

struct SettleDecision {
  TurnOutcome outcome = TurnOutcome::failed;
  SessionEvent event = SessionEvent::turn_failed;
  std::string reason;             // state_reason
  bool mail_read = false;         // mark the carried mail read (else release it)
  int failed_turns = 0;           // new consecutive failure count
  std::optional<Millis> backoff;  // delay before the next attempt
  bool worker_died = false;       // send worker_died to the parent (or the operator)
  std::string terminated_by;      // runner | operator
  bool clear_session_id = false;  // lost session: start fresh next turn
};

// Rule 5 of SPEC §5.4 speaks the runtime's words (core/failure_kind.h): state_reason is
// the result's error text, else the last stderr line. A failure no retry can fix (not
// logged in, the root refusal, a missing command) ends the agent at once: turn_fatal to
// `failed`, one worker_died, the hint in the reason; a fresh session that failed so is
// forgotten (the runtime never saved it), so a later resume does not ask for it.
SettleDecision decide_settle(const TurnObservation& obs, const SettleContext& ctx);

// The failure facts of an observed turn, for classify_failure.
FailureFacts failure_facts(const TurnObservation& obs);

// retry_backoff doubled per consecutive failure (1 → base), capped at 5 minutes.
Millis backoff_for(int failed_turns, Millis base);

// "exit status 3", "killed by SIGKILL", …
std::string describe_exit(const TurnObservation& obs);

}  // namespace drover
