#pragma once
// Approval gates (issue 17, docs/steering.md "Approval gates"): an agent asks a question
// with `drover ask` and waits; its parent or the operator answers with `drover decide`.
// A gate is an attribute of the asking session, not a state. Pure: the rules of asking,
// deciding, closing, scheduling a waiting agent and requiring a gate before a step.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/capability.h"
#include "core/mail.h"
#include "core/result.h"
#include "core/session.h"

namespace drover {

// The decision that records a gate closed because its asker was stopped or cleaned; no
// option may use it.
inline constexpr std::string_view kGateClosed = "closed";

struct Gate {
  std::int64_t id = 0;  // the decision_gate mail's id
  std::string asker;
  std::string to;  // the asker's parent, or "operator"
  std::string question;
  std::vector<std::string> options;
  std::optional<std::string> step;  // the capability step it approves (ask --step), if any
  bool holds_turns = true;          // false: the capability has turns_while_waiting
  std::string asked_at;
  std::optional<std::string> decision;  // nullopt while open; kGateClosed when closed
  std::optional<std::string> note;      // the decider's note, or why it was closed
  std::optional<std::string> decided_by;
  std::optional<std::string> decided_at;
  std::optional<std::int64_t> decision_mail;  // the `decision` reply
};

bool gate_is_closed(const Gate& g);

// The options of a new gate: yes, no when none are given. Usage errors for an empty or
// repeated option, or the reserved word "closed".
Result<std::vector<std::string>> gate_options(const std::vector<std::string>& given);

// Checks a question: not empty (usage error otherwise).
Status validate_question(std::string_view question);

// What `drover decide ID ANSWER` does with `g`, whose asker `asker` (nullopt: forgotten).
struct DecideCheck {
  enum class Kind {
    decide,      // record the answer now
    already,     // the same answer was given before: nothing to do (exit 0)
    conflict,    // a different answer was given before (exit 4)
    closed,      // the gate was closed, or its asker is finished (exit 4)
    bad_answer,  // not one of the options (exit 2)
    not_allowed  // the decider is neither the operator nor the one asked (exit 4)
  } kind = Kind::decide;
  std::string message;  // for every kind but decide
};
DecideCheck check_decision(const Gate& g, const std::optional<Session>& asker,
                           std::string_view answer, std::string_view decided_by);

// The scheduling rule: an agent with an open gate that holds turns gets no turn for
// ordinary mail; a pending `decision` reply (or a capability with turns_while_waiting,
// recorded on the gate as holds_turns = false) lets it run. The turn then carries all of
// its pending mail.
struct GateWait {
  bool holding_gate_open = false;  // an open gate with holds_turns
  bool decision_pending = false;   // unread, unclaimed `decision` mail to the agent
};
bool gate_holds_turn(const GateWait& w);

// "yes", "y", "approve", "approved", "ok", "accept", "go" (any case).
bool is_yes_like(std::string_view answer);

// Whether the capability requires a gate before `step` (front matter gate_before).
bool requires_gate(const Capability& cap, std::string_view step);
// Why `agent` may not do `step` now: the capability requires a gate before it and
// `latest` (its most recently decided gate for that step) is missing or not yes-like.
std::optional<std::string> gate_requirement_unmet(const Capability& cap, std::string_view agent,
                                                  std::string_view step,
                                                  const std::optional<Gate>& latest);

// The STATE column for an agent with an open gate: "waiting: <question>" (first line,
// at most 48 characters, control characters escaped), " (paused)" appended when paused.
std::string waiting_label(const Session& s, std::string_view question);

// The decision_gate mail's body (it does not know its own id) and payload, and the
// decision reply's.
std::string gate_mail_body(const Gate& g);
std::string gate_payload(const Gate& g, const std::optional<std::string>& user_payload);
std::string decision_body(const Gate& g, std::string_view decision,
                          const std::optional<std::string>& note, std::string_view decided_by);
std::string decision_payload(const Gate& g, std::string_view decision,
                             const std::optional<std::string>& note, std::string_view decided_by);

// The `decision` reply to g (a reply in its thread, to the asker), created at `now`.
MailMessage decision_message(const Gate& g, std::optional<std::int64_t> thread,
                             std::string_view decision, const std::optional<std::string>& note,
                             std::string_view decided_by, const std::string& now);

}  // namespace drover
