#pragma once
// Every way a turn or an agent ends, each in one transaction that writes the turn row, the
// session state, the mail (marked read or released) and at most one worker_died to the
// parent. This is the one place those side effects are written (SPEC §5.4–§5.6, §6.3, §7):
//   settle_run            the runner settles the turn it ran
//   abandon_turn          a turn that never reached in_turn (spawn failure, aborted start)
//   fail_agent_start      the supervisor could not start an agent's turn: failed
//   settle_operator_stop  `drover stop` of an agent no runner holds
//   settle_recovered      recovery of an agent whose runner died (restart or dead runner)
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/duration.h"
#include "core/interruptions.h"
#include "core/result.h"
#include "core/session_state.h"
#include "core/settle.h"
#include "core/turn_record.h"
#include "runner/worktree.h"

namespace drover::store {
class Store;
class Tx;
}  // namespace drover::store

namespace drover::runner {

// What the runner observed of a finished turn.
struct RunEnd {
  std::string agent;
  std::int64_t turn_id = 0;
  std::vector<std::string> terminal_mail;  // the capability's terminal mail types
  std::optional<std::string> resume_id;    // the session id the turn was started with
  TurnObservation how;
  std::int64_t duration_ms = 0;
  std::optional<double> cost_usd;
  std::optional<std::int64_t> input_tokens, output_tokens;
  std::optional<std::string> session_id;     // the session id the runtime reported
  std::optional<WorktreeSnapshot> worktree;  // observed before the transaction
  // Live mail the turn claimed but never answered (core/live_input.h): released, never
  // marked read, whatever the outcome.
  std::vector<std::int64_t> unanswered_live_mail;
  // Written first in the settle's transaction: the turn's events still waiting in the
  // event batch (runner/event_batch.h), so that they land with the settle, before it.
  std::function<void(store::Tx&)> first;
};
// The terminal mail types of a capability (runner/terminal_mail.h in production).
using TerminalMailOf = std::function<std::vector<std::string>(const std::string& capability)>;

struct SettlePolicy {
  int max_failed_turns = 3;
  Millis retry_backoff{5000};
};
struct RunSettled {
  SettleDecision decision;
  std::optional<SessionState> state;  // nullopt: the transition lost (recorded as an error)
  std::string transition_error;
};
Result<RunSettled> settle_run(store::Store& store, const SettlePolicy& policy, const RunEnd& end);

// The turn row records why; its mail goes back; the session is not touched.
Status abandon_turn(store::Store& store, std::int64_t turn_id, TurnOutcome outcome,
                    const std::string& detail);

// The agent moves to failed ("could not start: <why>") and its parent is told.
Status fail_agent_start(store::Store& store, const std::string& agent, const std::string& why,
                        std::optional<std::int64_t> turn, const TerminalMailOf& terminal_mail);

// Its unfinished turns end as stopped (mail released), the agent is stopped, its parent
// told. `worktree` was observed before the transaction.
Status settle_operator_stop(store::Store& store, const std::string& agent,
                            const std::optional<WorktreeSnapshot>& worktree,
                            const TerminalMailOf& terminal_mail);

// Why an agent is being recovered: the words for its turn, its state_reason and its note.
struct RecoveryCause {
  const char* subject;  // of the note, e.g. "supervisor restart"
  const char* detail;   // turns.detail of the interrupted turn
  const char* reason;   // state_reason when it resumes
  const char* note;     // body of the note its next turn reads
};
struct Recovered {
  int turns_interrupted = 0;
  bool resumed = false;                          // interrupted: back to between_turns with a note
  std::optional<std::string> stale;              // too old to resume: the reason it went stale
  std::optional<std::int64_t> interrupted_turn;  // the session's current turn, for the log
  std::string last_activity;
  std::optional<InterruptionVerdict> counted;  // the interruption counted as a failed turn
  std::optional<std::string> zombie;           // …and made it a zombie: the reason
};
// Its unfinished turns end as interrupted (mail released); an agent that was in_turn
// resumes with the cause's note, or goes stale when its last activity is older than
// `resume_max_age`; so does an idle one with pending mail when `idle_too`. An interruption
// that repeats counts as a failed turn under `policy` (core/interruptions.h): the agent
// resumes after the backoff, or becomes a zombie (its parent told) at max_failed_turns.
// `host` (when not empty): the recovering host, which must hold the agent's lease or find
// none (docs/hosts.md); another host's agent is an Errc::conflict.
Result<Recovered> settle_recovered(store::Store& store, const std::string& agent,
                                   const RecoveryCause& why, bool idle_too, Millis resume_max_age,
                                   const TerminalMailOf& terminal_mail,
                                   const SettlePolicy& policy = SettlePolicy{},
                                   std::string_view host = {});

// How the fence's refusal begins (settle_run, abandon_turn, the live-mail claim, and the
// CLI's writes from inside the turn): the turn's host lost the agent's lease, so nothing of
// the turn was written.
inline constexpr std::string_view kLeaseLost = "lease lost: ";

// The fence (docs/hosts.md): an Errc::conflict naming the turn and the lease's holder now,
// when a turn that started under (host, token) may no longer write for its agent; nullopt
// while its lease holds (or the turn predates leases). The one place the refusal is worded.
std::optional<Error> lease_lost(store::Tx& tx, const TurnRecord& t);

}  // namespace drover::runner
