#pragma once
// An agent's final report (issue 16 item 6, `drover report A`): what it was asked, how it
// ended and why, each turn with its figures, the totals, its worktree, the mail it sent and
// its last result text. Built from plain facts the command reads; pure.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/cost_totals.h"
#include "core/mail.h"
#include "core/session.h"
#include "core/turn_record.h"

namespace drover {

struct ReportTurn {
  TurnRecord row;
  std::optional<std::int64_t> number;  // the agent's own turn number; none: never started
  std::string started;                 // started_at as the reader's clock shows it
};

// The agent's worktree as git sees it now, or as the last settle recorded it.
struct ReportWorktree {
  std::string path;
  std::optional<std::string> branch;
  std::optional<std::string> head;      // commit sha
  std::optional<std::string> dirty;     // "clean", "2 modified, 1 untracked"
  std::optional<std::string> unmerged;  // describe_unmerged() when work would be lost
  bool live = false;  // read from git now (false: the recorded values; the tree is gone)
};

struct AgentReportFacts {
  Session session;
  std::vector<ReportTurn> turns;   // oldest first (the newest ones when some are omitted)
  std::int64_t turns_omitted = 0;  // older turns not listed
  CostTotals totals;               // over every started turn
  std::optional<ReportWorktree> worktree;
  std::vector<MailMessage> mail_sent;      // oldest first
  std::int64_t mail_omitted = 0;           // older messages not listed
  std::optional<std::string> last_result;  // the text of its newest `result` event
  bool last_result_error = false;          // that result was an error
};

struct ReportStyle {
  std::size_t width = 0;  // terminal columns; 0: no limit
  bool color = false;
};

// The report for a person: a title line (name, state and reason, or "still running — not
// final" for an agent that is not terminal), the facts, a turns table, the totals, the
// mail it sent and its last result text. Untrusted text is escaped.
std::string render_agent_report(const AgentReportFacts& f, const ReportStyle& style);

// The same as one JSON object: agent, final, state, state_reason, task, capability,
// parent, turns[], turns_omitted, totals{}, worktree{}|null, mail_sent[], last_result.
nlohmann::json agent_report_json(const AgentReportFacts& f);

// The line other messages point to: "Full report: drover report NAME".
std::string report_pointer(const std::string& agent);

}  // namespace drover
