#pragma once
// Approval gates at the edge (docs/steering.md "Approval gates"): what `drover ask`,
// `drover decide`, `drover gates`, `stop` and `clean` do with them. Each change is one
// write transaction: the gate row and its mail commit together. Rules: core/gate.h.
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "core/gate.h"
#include "core/json_writer.h"
#include "core/result.h"

namespace drover::store {
class Store;
}

namespace drover::cli {

struct AskRequest {
  std::string asker;
  std::string question;
  std::vector<std::string> options;  // empty: yes, no
  std::optional<std::string> payload;
  std::optional<std::string> step;
  bool turns_while_waiting = false;  // the asker's capability allows turns meanwhile
};

// Stores the decision_gate mail to the asker's parent (or operator) and the gate. Errors:
// usage (bad options, payload, question), not_found (no such agent), conflict (finished).
Result<Gate> ask_gate(store::Store& st, const AskRequest& r);

struct DecideResult {
  Gate gate;
  bool already = false;  // the same answer was recorded before: nothing changed
};

// Decides gate `id` (checks: core/gate.h check_decision). Errors: not_found (no such mail),
// usage (not a decision_gate, answer not an option), conflict (decided otherwise, closed,
// not the decider's to decide, or a decision_gate not made by `drover ask`).
Result<DecideResult> decide_gate(store::Store& st, std::int64_t id, const std::string& answer,
                                 const std::optional<std::string>& note, const std::string& by);

// Closes every undecided gate of `agent`: decision "closed", note `reason` ("alice was
// stopped"), a `decision` reply to it recording that. Returns the gates closed.
Result<std::vector<Gate>> close_gates(store::Store& st, const std::string& agent,
                                      const std::string& reason, const std::string& by);

// The gate as `gates --json` and `status --json` show it; `now` for its age.
nlohmann::json gate_json(const Gate& g, const std::string& now);
nlohmann::json gates_json(const std::vector<Gate>& gates, const std::string& now);

// What `status` shows. The STATE cell: "waiting: <question>" for a live agent between
// turns with an open gate (core/gate.h waiting_label), else core/pause.h state_with_pause.
std::string state_with_gate(const Session& s, const std::vector<Gate>& open);
// `status --json`, every agent: "waiting" (the oldest open gate's question, or null) and
// "open_gates" (their ids).
void write_waiting(JsonWriter& w, const std::string& agent, const std::vector<Gate>& open);
// "gate #12 asks operator (yes|no, 3m ago): QUESTION; drover decide 12 …".
std::string gate_line(const Gate& g, const std::string& now);
// The overview's lines about open gates ("" when none).
std::string gates_text(const std::vector<Gate>& open, const std::string& now);

}  // namespace drover::cli
