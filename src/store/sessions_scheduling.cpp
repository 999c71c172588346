// The scheduler's questions to the sessions (SPEC §7, issue 18, docs/hosts.md): which
// agents may start a turn, and which need a runner. Each reads only the rows that need it.
#include "store/db.h"
#include "store/sessions.h"
#include "store/sqlite_util.h"
#include "store/statement.h"

namespace drover::store {

const char* Sessions::needing_runner_sql(bool leased) {
  if (!leased)
    return "SELECT name FROM sessions WHERE state = 'in_turn' "
           "UNION SELECT agent FROM turns WHERE ended_at IS NULL";
  // Several hosts: an agent another host holds is that host's to recover.
  return "SELECT x.name FROM (SELECT name FROM sessions WHERE state = 'in_turn' "
         "UNION SELECT agent FROM turns WHERE ended_at IS NULL) x "
         "WHERE NOT EXISTS (SELECT 1 FROM leases l WHERE l.agent = x.name AND l.host <> ?)";
}

std::vector<std::string> Sessions::needing_runner(std::string_view host) {
  Stmt q(db_, needing_runner_sql(!host.empty()));
  if (!host.empty()) q.bind(1, std::string(host));
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

// Several hosts (docs/hosts.md): an agent another host holds is not a candidate here.
constexpr const char* kNotElsewhere =
    "AND NOT EXISTS (SELECT 1 FROM leases l WHERE l.agent = s.name AND l.host <> ?) ";

std::string Sessions::runnable_sql(bool leased) {
  // CROSS JOIN keeps the pending mail the outer loop: SQLite would otherwise scan sessions.
  return std::string(
             "SELECT s.name, min(m.id), s.retry_after, "
             "EXISTS (SELECT 1 FROM gates g WHERE g.asker = s.name AND g.decided_at IS NULL "
             "AND g.holds_turns = 1 AND g.asked_at >= s.created_at), max(m.type = 'decision') "
             "FROM messages m CROSS JOIN sessions s ON s.name = m.to_agent "
             "WHERE m.read_at IS NULL AND m.claimed_turn IS NULL "
             "AND s.state IN ('booting','between_turns') AND s.stop_requested = 0 "
             "AND s.paused_at IS NULL ") +
         (leased ? kNotElsewhere : "") + "GROUP BY m.to_agent ORDER BY min(m.id)";
}

namespace {
// PostgreSQL's plan needs no hint (it rejects CROSS JOIN … ON), and it groups by the
// session's key so the session's other columns may be selected.
std::string runnable_pg_sql(bool leased) {
  return std::string(
             "SELECT s.name, min(m.id), s.retry_after, "
             "EXISTS (SELECT 1 FROM gates g WHERE g.asker = s.name AND g.decided_at IS NULL "
             "AND g.holds_turns = 1 AND g.asked_at >= s.created_at), "
             "max(CASE WHEN m.type = 'decision' THEN 1 ELSE 0 END) FROM "
             "messages m JOIN sessions s ON s.name = m.to_agent "
             "WHERE m.read_at IS NULL AND m.claimed_turn IS NULL "
             "AND s.state IN ('booting','between_turns') AND s.stop_requested = 0 "
             "AND s.paused_at IS NULL ") +
         (leased ? kNotElsewhere : "") + "GROUP BY s.name ORDER BY min(m.id)";
}
}  // namespace

std::vector<Candidate> Sessions::runnable(std::string_view host) {
  bool leased = !host.empty();
  Stmt q(db_,
         db_.dialect() == Dialect::postgresql ? runnable_pg_sql(leased) : runnable_sql(leased));
  if (leased) q.bind(1, std::string(host));
  std::vector<Candidate> out;
  while (q.executeStep())
    out.push_back({q.getColumn(0).getString(),
                   q.getColumn(1).getInt64(),
                   opt_text(q.getColumn(2)),
                   {q.getColumn(3).getInt() != 0, q.getColumn(4).getInt() != 0}});
  return out;
}

}  // namespace drover::store
