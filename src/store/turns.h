#pragma once
// The turns repository: one row per child process run.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/cost_totals.h"
#include "core/turn_record.h"

namespace drover::store {

class Connection;

// What turns cost (core/cost_totals.h).
using CostTotals = drover::CostTotals;

class Turns {
 public:
  explicit Turns(Connection& db) : db_(db) {}

  // `host` and `token`: the host that runs it and the agent's lease token (store/hosts.h).
  std::int64_t create(std::string_view agent, const std::string& started_at,
                      const std::optional<std::string>& resume_id, std::int64_t mail_mark,
                      const std::optional<std::string>& host = std::nullopt,
                      std::optional<std::int64_t> token = std::nullopt);
  void set_pid(std::int64_t id, std::int64_t pid);
  // Writes the end columns (ended_at, outcome, exit/signal, duration, cost, tokens,
  // session_id, detail) from `end`.
  void finish(const TurnRecord& end);
  std::optional<TurnRecord> get(std::int64_t id);
  // Newest first.
  std::vector<TurnRecord> recent(std::string_view agent, int limit);
  // The agent's own turn numbers, by turn id: 1, 2, 3… over its turns that started (got a
  // pid); a turn that never started has none. What `log` shows as agent#N.
  std::map<std::int64_t, std::int64_t> numbers(std::string_view agent);
  // Cost totals of every agent with a started turn, by name; one aggregate query over
  // turns_agent. `since` (a SPEC §3 timestamp) keeps turns that started at or after it.
  std::map<std::string, CostTotals> costs_by_agent(const std::optional<std::string>& since = {});
  // The same sums by the capability of the turn's agent (sessions.capability; "?" for a
  // turn whose session row is gone): one aggregate query joining sessions by name.
  std::map<std::string, CostTotals> costs_by_capability(
      const std::optional<std::string>& since = {});
  // The same sums by the local calendar day the turn started on ("2026-12-04"; SQLite's
  // date(started_at, 'localtime'), so TZ decides): one aggregate query.
  std::map<std::string, CostTotals> costs_by_day(const std::optional<std::string>& since = {});
  // The sums of costs_by_agent, costs_by_capability or costs_by_day ("agent",
  // "capability", "day"), handed to `fn` group by group in key order as the aggregate
  // yields them (`costs --json` streams them). Returns how many groups.
  std::int64_t for_each_cost_group(
      std::string_view by, const std::optional<std::string>& since,
      const std::function<void(std::string_view key, const CostTotals&)>& fn);
  // One agent's totals (all zero when it has no started turn).
  CostTotals costs_of(std::string_view agent);
  // The cost of every agent's turns that started at or after `since` (a SPEC §3 timestamp):
  // the project's spending since then. One aggregate over a range of turns_started.
  double cost_since(const std::string& since);
  // Turns that never ended (ended_at IS NULL).
  std::vector<TurnRecord> unfinished();
  // The agent's turn without an end, if any: under the agent's turn lock that is a dead
  // runner's turn, which recovery must settle before another may start (docs/protocol.md F1).
  std::optional<std::int64_t> open_for(const std::string& agent);

 private:
  Connection& db_;
};

}  // namespace drover::store
