#include "store/sessions.h"

#include "store/db.h"
#include "store/statement.h"

#include "store/sqlite_util.h"

namespace drover::store {

namespace {

constexpr const char* kSessionColumns =
    "name, capability, runtime, model, task, task_id, parent, depth, state, state_reason, "
    "worktree, branch, head_sha, dirty_summary, runtime_session_id, created_at, last_activity, "
    "turn_count, failed_turns, current_turn, stop_requested, retry_after, "
    "merged_sha, merged_into, merged_head, merged_at, paused_at, pause_reason, pause_now, "
    "max_cost_usd, max_turns, max_tokens";

void set_text(std::string& out, std::string_view v) { out.assign(v.data(), v.size()); }
void set_opt(std::optional<std::string>& out, std::optional<std::string_view> v) {
  if (!v) out.reset();
  else if (out) out->assign(v->data(), v->size());
  else out.emplace(*v);
}

// Reads the current row into `s` in place: raw column reads (no Column object per
// column), and strings assigned into the ones `s` already holds, so reading row after
// row into the same Session allocates almost nothing.
void fill_session(Statement& q, Session& s) {
  set_text(s.name, column_text(q, 0));
  set_text(s.capability, column_text(q, 1));
  set_text(s.runtime, column_text(q, 2));
  set_opt(s.model, column_opt_text(q, 3));
  set_text(s.task, column_text(q, 4));
  set_opt(s.task_id, column_opt_text(q, 5));
  set_opt(s.parent, column_opt_text(q, 6));
  s.depth = static_cast<int>(q.int64(7));
  s.state = parse_state(column_text(q, 8)).value_or(SessionState::zombie);
  set_opt(s.state_reason, column_opt_text(q, 9));
  set_opt(s.worktree, column_opt_text(q, 10));
  set_opt(s.branch, column_opt_text(q, 11));
  set_opt(s.head_sha, column_opt_text(q, 12));
  set_opt(s.dirty_summary, column_opt_text(q, 13));
  set_opt(s.runtime_session_id, column_opt_text(q, 14));
  set_text(s.created_at, column_text(q, 15));
  set_text(s.last_activity, column_text(q, 16));
  s.turn_count = static_cast<int>(q.int64(17));
  s.failed_turns = static_cast<int>(q.int64(18));
  s.current_turn = column_opt_int(q, 19);
  int stop = static_cast<int>(q.int64(20));
  s.stop_requested = stop != 0;
  s.stop_quiet = stop == 2;
  set_opt(s.retry_after, column_opt_text(q, 21));
  set_opt(s.merged_sha, column_opt_text(q, 22));
  set_opt(s.merged_into, column_opt_text(q, 23));
  set_opt(s.merged_head, column_opt_text(q, 24));
  set_opt(s.merged_at, column_opt_text(q, 25));
  set_opt(s.paused_at, column_opt_text(q, 26));
  set_opt(s.pause_reason, column_opt_text(q, 27));
  s.pause_now = q.int64(28) != 0;
  s.budget.max_cost_usd = column_opt_real(q, 29);
  s.budget.max_turns = column_opt_int(q, 30);
  s.budget.max_tokens = column_opt_int(q, 31);
}

Session read_session(RawStmt& q) {
  Session s;
  fill_session(q.row(), s);
  return s;
}

std::string in_list(const std::vector<SessionState>& states) {
  std::string out;
  for (auto s : states) {
    if (!out.empty()) out += ",";
    out += "'" + std::string(to_string(s)) + "'";
  }
  return out;
}

std::string terminal_list() {
  std::vector<SessionState> t;
  for (auto s : kAllStates)
    if (is_terminal(s)) t.push_back(s);
  return in_list(t);
}

}  // namespace

Status Sessions::insert(const Session& s) {
  Stmt exists(db_, "SELECT state FROM sessions WHERE name = ?");
  exists.bind(1, s.name);
  if (exists.executeStep())
    return make_error(Errc::conflict, "agent '" + s.name + "' already exists (state " +
                                          exists.getColumn(0).getString() + ")");
  Stmt q(db_, std::string("INSERT INTO sessions (") + kSessionColumns +
                  ") VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  q.bind(1, s.name);
  q.bind(2, s.capability);
  q.bind(3, s.runtime);
  bind_opt(q, 4, s.model);
  q.bind(5, s.task);
  bind_opt(q, 6, s.task_id);
  bind_opt(q, 7, s.parent);
  q.bind(8, s.depth);
  q.bind(9, std::string(to_string(s.state)));
  bind_opt(q, 10, s.state_reason);
  bind_opt(q, 11, s.worktree);
  bind_opt(q, 12, s.branch);
  bind_opt(q, 13, s.head_sha);
  bind_opt(q, 14, s.dirty_summary);
  bind_opt(q, 15, s.runtime_session_id);
  q.bind(16, s.created_at);
  q.bind(17, s.last_activity);
  q.bind(18, s.turn_count);
  q.bind(19, s.failed_turns);
  bind_opt(q, 20, s.current_turn);
  q.bind(21, s.stop_requested ? 1 : 0);
  bind_opt(q, 22, s.retry_after);
  bind_opt(q, 23, s.merged_sha);
  bind_opt(q, 24, s.merged_into);
  bind_opt(q, 25, s.merged_head);
  bind_opt(q, 26, s.merged_at);
  bind_opt(q, 27, s.paused_at);
  bind_opt(q, 28, s.pause_reason);
  q.bind(29, s.pause_now ? 1 : 0);
  bind_opt(q, 30, s.budget.max_cost_usd);
  bind_opt(q, 31, s.budget.max_turns);
  bind_opt(q, 32, s.budget.max_tokens);
  q.exec();
  return ok_status();
}

void Sessions::remove(std::string_view name) {
  Stmt q(db_, "DELETE FROM sessions WHERE name = ?");
  q.bind(1, std::string(name));
  q.exec();
}

Status Sessions::purge(std::string_view name, const std::string& now) {
  auto s = get(name);
  if (!s) return make_error(Errc::not_found, "no agent named '" + std::string(name) + "'");
  if (!is_terminal(s->state))
    return make_error(Errc::conflict, "agent '" + std::string(name) + "' is " +
                                          std::string(to_string(s->state)) + ", not finished");
  std::string agent(name);
  Stmt unclaim(db_,
               "UPDATE messages SET claimed_turn = NULL "
               "WHERE claimed_turn IN (SELECT id FROM turns WHERE agent = ?)");
  unclaim.bind(1, agent);
  unclaim.exec();
  Stmt retire(db_, "UPDATE messages SET read_at = ? WHERE to_agent = ? AND read_at IS NULL");
  retire.bind(1, now);
  retire.bind(2, agent);
  retire.exec();
  for (const char* sql : {"DELETE FROM events WHERE agent = ?", "DELETE FROM turns WHERE agent = ?",
                          "DELETE FROM sessions WHERE name = ?"}) {
    Stmt q(db_, sql);
    q.bind(1, agent);
    q.exec();
  }
  return ok_status();
}

std::optional<Session> Sessions::get(std::string_view name) {
  RawStmt q(db_, std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE name = ?");
  q.bind(1, name);
  if (!q.step()) return std::nullopt;
  return read_session(q);
}

std::vector<Session> Sessions::list() {
  std::vector<Session> out;
  for_each([&](const Session& s) { out.push_back(s); });
  return out;
}

std::int64_t Sessions::for_each(const std::function<void(const Session&)>& fn) {
  RawStmt q(db_,
            std::string("SELECT ") + kSessionColumns + " FROM sessions ORDER BY created_at, name");
  Session s;
  std::int64_t n = 0;
  while (q.step()) {
    fill_session(q.row(), s);
    fn(s);
    ++n;
  }
  return n;
}

int Sessions::count_in(SessionState state) {
  Stmt q(db_, "SELECT count(*) FROM sessions WHERE state = ?");
  q.bind(1, std::string(to_string(state)));
  q.executeStep();
  return q.getColumn(0).getInt();
}

std::vector<Session> Sessions::live() {
  RawStmt q(db_, std::string("SELECT ") + kSessionColumns + " FROM sessions WHERE state NOT IN (" +
                     terminal_list() + ") ORDER BY created_at, name");
  std::vector<Session> out;
  while (q.step()) out.push_back(read_session(q));
  return out;
}

Result<SessionState> Sessions::transition(std::string_view name, SessionEvent event,
                                          const StateUpdate& u) {
  SessionState to = target(event);
  std::string sql = "UPDATE sessions SET state = ?";
  if (u.reason) sql += ", state_reason = ?";
  if (u.last_activity) sql += ", last_activity = ?";
  if (u.failed_turns) sql += ", failed_turns = ?";
  if (u.count_turn) sql += ", turn_count = turn_count + 1";
  if (u.current_turn) sql += ", current_turn = ?";
  if (u.runtime_session_id) sql += ", runtime_session_id = ?";
  if (u.retry_after) sql += ", retry_after = ?";
  if (u.stop_requested) sql += ", stop_requested = ?";
  if (u.head_sha) sql += ", head_sha = ?";
  if (u.dirty_summary) sql += ", dirty_summary = ?";
  sql += " WHERE name = ? AND state IN (" + in_list(predecessors(event)) + ")";
  Stmt q(db_, sql);
  int i = 1;
  q.bind(i++, std::string(to_string(to)));
  if (u.reason) {
    if (u.reason->empty()) q.bind(i++);
    else q.bind(i++, *u.reason);
  }
  if (u.last_activity) q.bind(i++, *u.last_activity);
  if (u.failed_turns) q.bind(i++, *u.failed_turns);
  if (u.current_turn) bind_opt(q, i++, *u.current_turn);
  if (u.runtime_session_id) bind_opt(q, i++, *u.runtime_session_id);
  if (u.retry_after) bind_opt(q, i++, *u.retry_after);
  if (u.stop_requested) q.bind(i++, *u.stop_requested ? 1 : 0);
  if (u.head_sha) bind_opt(q, i++, *u.head_sha);
  if (u.dirty_summary) bind_opt(q, i++, *u.dirty_summary);
  q.bind(i++, std::string(name));
  if (q.exec() == 1) return to;

  auto current = get(name);
  if (!current) return make_error(Errc::not_found, "no agent named '" + std::string(name) + "'");
  return make_error(Errc::conflict, "illegal transition: agent '" + std::string(name) + "' is " +
                                        std::string(to_string(current->state)) + ", and " +
                                        std::string(to_string(event)) + " needs " +
                                        in_list(predecessors(event)));
}

std::vector<std::string> Sessions::live_children(std::string_view parent) {
  Stmt q(db_, "SELECT name FROM sessions WHERE parent = ? AND state NOT IN (" + terminal_list() +
                  ") ORDER BY name");
  q.bind(1, std::string(parent));
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

void Sessions::set_activity(std::string_view name, const std::string& ts) {
  Stmt q(db_, "UPDATE sessions SET last_activity = ? WHERE name = ?");
  q.bind(1, ts);
  q.bind(2, std::string(name));
  q.exec();
}

void Sessions::set_worktree(std::string_view name, const std::string& path) {
  Stmt q(db_, "UPDATE sessions SET worktree = ? WHERE name = ?");
  q.bind(1, path);
  q.bind(2, std::string(name));
  q.exec();
}

void Sessions::set_runtime_session_id(std::string_view name, const std::optional<std::string>& id) {
  Stmt q(db_, "UPDATE sessions SET runtime_session_id = ? WHERE name = ?");
  bind_opt(q, 1, id);
  q.bind(2, std::string(name));
  q.exec();
}

bool Sessions::record_merge(std::string_view name, const MergeRecord& m) {
  Stmt q(db_,
         "UPDATE sessions SET merged_sha = ?, merged_into = ?, merged_head = ?, merged_at = ? "
         "WHERE name = ?");
  q.bind(1, m.sha);
  q.bind(2, m.into);
  q.bind(3, m.head);
  q.bind(4, m.at);
  q.bind(5, std::string(name));
  return q.exec() == 1;
}

int Sessions::set_pause(std::string_view name, const std::string& at, const std::string& reason) {
  Stmt q(db_,
         "UPDATE sessions SET paused_at = ?, pause_reason = ? WHERE name = ? AND paused_at IS NULL "
         "AND state NOT IN (" +
             terminal_list() + ")");
  q.bind(1, at);
  if (reason.empty()) q.bind(2);
  else q.bind(2, reason);
  q.bind(3, std::string(name));
  return q.exec();
}

int Sessions::clear_pause(std::optional<std::string_view> name) {
  std::string sql =
      "UPDATE sessions SET paused_at = NULL, pause_reason = NULL WHERE paused_at IS NOT NULL";
  if (name) sql += " AND name = ?";
  Stmt q(db_, sql);
  if (name) q.bind(1, std::string(*name));
  int n = q.exec();
  std::string now_sql = "UPDATE sessions SET pause_now = 0 WHERE pause_now = 1";
  if (name) now_sql += " AND name = ?";
  Stmt clear_now(db_, now_sql);
  if (name) clear_now.bind(1, std::string(*name));
  clear_now.exec();
  return n;
}

int Sessions::request_pause_now(std::optional<std::string_view> name) {
  std::string sql =
      "UPDATE sessions SET pause_now = 1 WHERE state NOT IN (" + terminal_list() + ")";
  if (name) sql += " AND name = ?";
  Stmt q(db_, sql);
  if (name) q.bind(1, std::string(*name));
  return q.exec();
}

void Sessions::clear_pause_now(std::string_view name) {
  Stmt q(db_, "UPDATE sessions SET pause_now = 0 WHERE name = ? AND pause_now = 1");
  q.bind(1, std::string(name));
  q.exec();
}

bool Sessions::set_budget(std::string_view name, const BudgetLimits& limits) {
  Stmt q(db_, "UPDATE sessions SET max_cost_usd = ?, max_turns = ?, max_tokens = ? WHERE name = ?");
  bind_opt(q, 1, limits.max_cost_usd);
  bind_opt(q, 2, limits.max_turns);
  bind_opt(q, 3, limits.max_tokens);
  q.bind(4, std::string(name));
  return q.exec() == 1;
}

bool Sessions::request_stop(std::string_view name, bool quiet) {
  Stmt q(db_, "UPDATE sessions SET stop_requested = ? WHERE name = ? AND state NOT IN (" +
                  terminal_list() + ")");
  q.bind(1, quiet ? 2 : 1);
  q.bind(2, std::string(name));
  return q.exec() == 1;
}

}  // namespace drover::store
