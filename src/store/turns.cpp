#include "store/turns.h"

#include "store/db.h"
#include "store/pg_dialect.h"
#include "store/statement.h"

#include "store/sqlite_util.h"

namespace drover::store {

namespace {

constexpr const char* kTurnColumns =
    "id, agent, started_at, ended_at, outcome, exit_code, signal, duration_ms, cost_usd, "
    "input_tokens, output_tokens, pid, resume_id, session_id, detail, mail_mark, host, token";

template <class Query>
TurnRecord read_turn(Query& q) {
  TurnRecord t;
  t.id = q.getColumn(0).getInt64();
  t.agent = q.getColumn(1).getString();
  t.started_at = q.getColumn(2).getString();
  t.ended_at = opt_text(q.getColumn(3));
  t.outcome_name = opt_text(q.getColumn(4));
  if (t.outcome_name) t.outcome = parse_turn_outcome(*t.outcome_name);
  t.exit_code = opt_int(q.getColumn(5));
  t.signal = opt_int(q.getColumn(6));
  t.duration_ms = opt_int(q.getColumn(7));
  t.cost_usd = opt_real(q.getColumn(8));
  t.input_tokens = opt_int(q.getColumn(9));
  t.output_tokens = opt_int(q.getColumn(10));
  t.pid = opt_int(q.getColumn(11));
  t.resume_id = opt_text(q.getColumn(12));
  t.session_id = opt_text(q.getColumn(13));
  t.detail = opt_text(q.getColumn(14));
  t.mail_mark = q.getColumn(15).getInt64();
  t.host = opt_text(q.getColumn(16));
  t.token = opt_int(q.getColumn(17));
  return t;
}

constexpr const char* kCostSums =
    "count(*), count(cost_usd), coalesce(sum(cost_usd), 0), coalesce(sum(input_tokens), 0), "
    "coalesce(sum(output_tokens), 0)";

template <class Query>
CostTotals read_costs(Query& q, int first) {
  CostTotals t;
  t.turns = q.getColumn(first).getInt64();
  t.priced = q.getColumn(first + 1).getInt64();
  t.cost_usd = q.getColumn(first + 2).getDouble();
  t.input_tokens = q.getColumn(first + 3).getInt64();
  t.output_tokens = q.getColumn(first + 4).getInt64();
  return t;
}

}  // namespace

std::int64_t Turns::create(std::string_view agent, const std::string& started_at,
                           const std::optional<std::string>& resume_id, std::int64_t mail_mark,
                           const std::optional<std::string>& host,
                           std::optional<std::int64_t> token) {
  Stmt q(db_,
         "INSERT INTO turns (agent, started_at, resume_id, mail_mark, host, token) "
         "VALUES (?,?,?,?,?,?) RETURNING id");
  q.bind(1, std::string(agent));
  q.bind(2, started_at);
  bind_opt(q, 3, resume_id);
  q.bind(4, static_cast<int64_t>(mail_mark));
  bind_opt(q, 5, host);
  bind_opt(q, 6, token);
  return q.insert_id();
}

void Turns::set_pid(std::int64_t id, std::int64_t pid) {
  Stmt q(db_, "UPDATE turns SET pid = ? WHERE id = ?");
  q.bind(1, static_cast<int64_t>(pid));
  q.bind(2, static_cast<int64_t>(id));
  q.exec();
}

void Turns::finish(const TurnRecord& e) {
  Stmt q(db_,
         "UPDATE turns SET ended_at = ?, outcome = ?, exit_code = ?, signal = ?, "
         "duration_ms = ?, cost_usd = ?, input_tokens = ?, output_tokens = ?, "
         "session_id = coalesce(?, session_id), detail = ? WHERE id = ?");
  bind_opt(q, 1, e.ended_at);
  bind_opt(q, 2, e.outcome ? std::optional<std::string>(to_string(*e.outcome)) : std::nullopt);
  bind_opt(q, 3, e.exit_code);
  bind_opt(q, 4, e.signal);
  bind_opt(q, 5, e.duration_ms);
  bind_opt(q, 6, e.cost_usd);
  bind_opt(q, 7, e.input_tokens);
  bind_opt(q, 8, e.output_tokens);
  bind_opt(q, 9, e.session_id);
  bind_opt(q, 10, e.detail);
  q.bind(11, static_cast<int64_t>(e.id));
  q.exec();
}

std::optional<TurnRecord> Turns::get(std::int64_t id) {
  Stmt q(db_, std::string("SELECT ") + kTurnColumns + " FROM turns WHERE id = ?");
  q.bind(1, static_cast<int64_t>(id));
  if (!q.executeStep()) return std::nullopt;
  return read_turn(q);
}

std::vector<TurnRecord> Turns::recent(std::string_view agent, int limit) {
  Stmt q(db_, std::string("SELECT ") + kTurnColumns +
                  " FROM turns WHERE agent = ? ORDER BY id DESC LIMIT ?");
  q.bind(1, std::string(agent));
  q.bind(2, limit);
  std::vector<TurnRecord> out;
  while (q.executeStep()) out.push_back(read_turn(q));
  return out;
}

std::map<std::int64_t, std::int64_t> Turns::numbers(std::string_view agent) {
  Stmt q(db_, "SELECT id FROM turns WHERE agent = ? AND pid IS NOT NULL ORDER BY id");
  q.bind(1, std::string(agent));
  std::map<std::int64_t, std::int64_t> out;
  std::int64_t n = 0;
  while (q.executeStep()) out[q.getColumn(0).getInt64()] = ++n;
  return out;
}

namespace {

// Cost sums grouped by `key` (an SQL expression, the first column) over `from` (a FROM …
// WHERE clause), keeping turns that started at or after `since` (`started` names the column),
// handed to `fn` in key order.
std::int64_t grouped_costs(Connection& db, const std::string& key, const std::string& from,
                           const char* started, const std::optional<std::string>& since,
                           const std::function<void(std::string_view, const CostTotals&)>& fn) {
  std::string sql = "SELECT " + key + ", " + kCostSums + " " + from;
  if (since) sql += std::string(" AND ") + started + " >= ?";
  sql += " GROUP BY 1 ORDER BY 1";
  RawStmt q(db, sql);
  if (since) q.bind(1, *since);
  Statement& st = q.row();
  std::int64_t n = 0;
  while (q.step()) {
    CostTotals t;
    t.turns = st.int64(1);
    t.priced = st.int64(2);
    t.cost_usd = st.real(3);
    t.input_tokens = st.int64(4);
    t.output_tokens = st.int64(5);
    fn(column_text(st, 0), t);
    ++n;
  }
  return n;
}

std::map<std::string, CostTotals> costs_map(Connection& db, std::string_view by,
                                            const std::optional<std::string>& since) {
  std::map<std::string, CostTotals> out;
  Turns(db).for_each_cost_group(by, since, [&](std::string_view key, const CostTotals& t) {
    out.emplace(std::string(key), t);
  });
  return out;
}

}  // namespace

std::int64_t Turns::for_each_cost_group(
    std::string_view by, const std::optional<std::string>& since,
    const std::function<void(std::string_view key, const CostTotals&)>& fn) {
  if (by == "capability")
    return grouped_costs(
        db_, "coalesce(s.capability, '?')",
        "FROM turns t LEFT JOIN sessions s ON s.name = t.agent WHERE t.pid IS NOT NULL",
        "t.started_at", since, fn);
  if (by == "day") {
    if (db_.dialect() == Dialect::postgresql) db_.exec(pg_set_local_zone());
    return grouped_costs(db_,
                         db_.dialect() == Dialect::postgresql
                             ? "coalesce(to_char(started_at::timestamptz, 'YYYY-MM-DD'), '?')"
                             : "coalesce(date(started_at, 'localtime'), '?')",
                         "FROM turns WHERE pid IS NOT NULL", "started_at", since, fn);
  }
  return grouped_costs(db_, "agent", "FROM turns WHERE pid IS NOT NULL", "started_at", since, fn);
}

std::map<std::string, CostTotals> Turns::costs_by_agent(const std::optional<std::string>& since) {
  return costs_map(db_, "agent", since);
}

std::map<std::string, CostTotals> Turns::costs_by_capability(
    const std::optional<std::string>& since) {
  return costs_map(db_, "capability", since);
}

std::map<std::string, CostTotals> Turns::costs_by_day(const std::optional<std::string>& since) {
  return costs_map(db_, "day", since);
}

CostTotals Turns::costs_of(std::string_view agent) {
  Stmt q(db_,
         std::string("SELECT ") + kCostSums + " FROM turns WHERE agent = ? AND pid IS NOT NULL");
  q.bind(1, std::string(agent));
  q.executeStep();
  return read_costs(q, 0);
}

double Turns::cost_since(const std::string& since) {
  Stmt q(db_,
         "SELECT coalesce(sum(cost_usd), 0) FROM turns WHERE started_at >= ? AND pid IS NOT NULL");
  q.bind(1, since);
  q.executeStep();
  return q.getColumn(0).getDouble();
}

std::vector<TurnRecord> Turns::unfinished() {
  Stmt q(db_,
         std::string("SELECT ") + kTurnColumns + " FROM turns WHERE ended_at IS NULL ORDER BY id");
  std::vector<TurnRecord> out;
  while (q.executeStep()) out.push_back(read_turn(q));
  return out;
}

std::optional<std::int64_t> Turns::open_for(const std::string& agent) {
  Stmt q(db_, "SELECT id FROM turns WHERE agent = ? AND ended_at IS NULL ORDER BY id LIMIT 1");
  q.bind(1, agent);
  if (!q.executeStep()) return std::nullopt;
  return q.getColumn(0).getInt64();
}

}  // namespace drover::store
