#pragma once
// The turn record: one row per child process run (SPEC §3), and how a turn ended.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

namespace drover {

// How a turn ended; stored by name (to_string) in turns.outcome.
enum class TurnOutcome {
  completed,     // terminal mail sent, or a clean end with nothing left to do
  waiting,       // clean end; the agent waits for mail or its children
  violation,     // clean end without the capability's terminal mail
  failed,        // error result, non-zero exit, no result, or the turn could not be prepared
  stalled,       // a watchdog budget ran out
  stopped,       // the operator stopped the agent
  interrupted,   // supervisor shutdown, restart or a dead runner: the turn resumes
  lost_session,  // the runtime no longer knew the --resume session
  spawn_failed,  // the agent's command could not be started
  aborted,       // spawned, but could not be recorded as started: killed at once
  deferred,      // a passing resource shortage stopped its start: mail released, retried
};
inline constexpr TurnOutcome kAllOutcomes[] = {
    TurnOutcome::completed,   TurnOutcome::waiting,      TurnOutcome::violation,
    TurnOutcome::failed,      TurnOutcome::stalled,      TurnOutcome::stopped,
    TurnOutcome::interrupted, TurnOutcome::lost_session, TurnOutcome::spawn_failed,
    TurnOutcome::aborted,     TurnOutcome::deferred};

std::string_view to_string(TurnOutcome o);
std::optional<TurnOutcome> parse_turn_outcome(std::string_view name);

struct TurnRecord {
  std::int64_t id = 0;
  std::string agent;
  std::string started_at;
  std::optional<std::string> ended_at;
  std::optional<TurnOutcome> outcome;  // how it ended (what writers set); nullopt while it runs
  // The outcome as stored, set by reads: a name this drover does not know (written by hand
  // or by a later version) is kept and shown as it is, while `outcome` stays nullopt.
  std::optional<std::string> outcome_name;
  std::optional<std::int64_t> exit_code;
  std::optional<std::int64_t> signal;
  std::optional<std::int64_t> duration_ms;
  std::optional<double> cost_usd;
  std::optional<std::int64_t> input_tokens;
  std::optional<std::int64_t> output_tokens;
  std::optional<std::int64_t> pid;
  std::optional<std::string> resume_id;   // the session id the turn was started with
  std::optional<std::string> session_id;  // the session id it reported
  std::optional<std::string> detail;      // result text or failure description
  std::int64_t mail_mark = 0;             // highest message id when the turn began
  // The host that ran it and the lease token it held (store/hosts.h); none before leases.
  std::optional<std::string> host;
  std::optional<std::int64_t> token;
};

}  // namespace drover
