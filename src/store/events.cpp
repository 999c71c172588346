#include "store/events.h"

#include "store/statement.h"

#include "core/clock.h"
#include "store/sqlite_util.h"

namespace drover::store {

namespace {

constexpr const char* kEventColumns = "id, agent, turn, created_at, kind, level, data";

template <class Query>
EventRecord read_event(Query& q) {
  EventRecord e;
  e.id = q.getColumn(0).getInt64();
  e.agent = q.getColumn(1).getString();
  e.turn = opt_int(q.getColumn(2));
  e.created_at = q.getColumn(3).getString();
  e.kind = q.getColumn(4).getString();
  e.level = q.getColumn(5).getString();
  e.data = q.getColumn(6).getString();
  return e;
}

std::string placeholders(std::size_t n) {
  std::string out;
  for (std::size_t i = 0; i < n; ++i) out += i ? ",?" : "?";
  return out;
}

// " AND …" for the filter, and its values in bind order.
std::string filter_sql(const EventFilter& f, std::vector<std::string>& values) {
  std::string sql;
  if (!f.agents.empty()) {
    sql += " AND agent IN (" + placeholders(f.agents.size()) + ")";
    values.insert(values.end(), f.agents.begin(), f.agents.end());
  }
  if (!f.capabilities.empty()) {
    sql += " AND agent IN (SELECT name FROM sessions WHERE capability IN (" +
           placeholders(f.capabilities.size()) + "))";
    values.insert(values.end(), f.capabilities.begin(), f.capabilities.end());
  }
  return sql;
}

}  // namespace

namespace {

constexpr const char* kInsertEvent =
    "INSERT INTO events (agent, turn, created_at, kind, level, data) VALUES (?,?,?,?,?,?)";

// The columns of one new event row, bound in kInsertEvent's order.
void bind_event(Stmt& q, std::string_view agent, std::optional<std::int64_t> turn,
                std::string_view kind, std::string_view level, std::string_view data,
                std::string_view created_at) {
  q.bind(1, agent);
  bind_opt(q, 2, turn);
  q.bind(3, created_at);
  q.bind(4, kind);
  q.bind(5, level);
  q.bind(6, data.empty() ? std::string_view("{}") : data);
}

}  // namespace

std::int64_t Events::add(std::string_view agent, std::optional<std::int64_t> turn,
                         std::string_view kind, std::string_view level, std::string_view data,
                         std::string_view created_at) {
  static const std::string sql = std::string(kInsertEvent) + " RETURNING id";
  Stmt q(db_, sql);
  const std::string now = created_at.empty() ? now_timestamp() : std::string();
  bind_event(q, agent, turn, kind, level, data, created_at.empty() ? now : created_at);
  return q.insert_id();
}

void Events::append(std::string_view agent, std::optional<std::int64_t> turn, std::string_view kind,
                    std::string_view level, std::string_view data, std::string_view created_at) {
  static const std::string sql = kInsertEvent;
  Stmt q(db_, sql);
  bind_event(q, agent, turn, kind, level, data, created_at);
  q.exec();
}

std::int64_t Events::max_id() {
  Stmt q(db_, "SELECT coalesce(max(id), 0) FROM events");
  q.executeStep();
  return q.getColumn(0).getInt64();
}

std::vector<EventRecord> Events::latest_for_agent(std::string_view agent, int limit) {
  Stmt q(db_,
         "SELECT * FROM (SELECT id, agent, turn, created_at, kind, level, data FROM events "
         "WHERE agent = ? ORDER BY id DESC LIMIT ?) AS recent ORDER BY id");
  q.bind(1, std::string(agent));
  q.bind(2, limit);
  std::vector<EventRecord> out;
  while (q.executeStep()) out.push_back(read_event(q));
  return out;
}

const char* Events::latest_per_session_sql() {
  // The newest id through the (agent, id) index is one seek per agent (ORDER BY id DESC
  // LIMIT 1 reads one entry; a correlated max(id) read all of the agent's entries); the
  // join is by rowid.
  return "SELECT e.id, e.agent, e.turn, e.created_at, e.kind, e.level, e.data "
         "FROM sessions s JOIN events e ON e.id = "
         "(SELECT id FROM events WHERE agent = s.name ORDER BY id DESC LIMIT 1) ORDER BY s.name";
}

std::vector<EventRecord> Events::latest_per_session() {
  Stmt q(db_, latest_per_session_sql());
  std::vector<EventRecord> out;
  while (q.executeStep()) out.push_back(read_event(q));
  return out;
}

std::vector<EventRecord> Events::for_agent(std::string_view agent, std::optional<std::int64_t> turn,
                                           std::int64_t after_id, int limit) {
  std::string sql =
      std::string("SELECT ") + kEventColumns + " FROM events WHERE agent = ? AND id > ?";
  if (turn) sql += " AND turn = ?";
  sql += " ORDER BY id";
  if (limit > 0) sql += " LIMIT " + std::to_string(limit);
  Stmt q(db_, sql);
  q.bind(1, std::string(agent));
  q.bind(2, static_cast<int64_t>(after_id));
  if (turn) q.bind(3, static_cast<int64_t>(*turn));
  std::vector<EventRecord> out;
  while (q.executeStep()) out.push_back(read_event(q));
  return out;
}

std::int64_t Events::for_each_of_agent(std::string_view agent, std::optional<std::int64_t> turn,
                                       const std::function<void(const EventRecord&)>& fn) {
  std::string sql = std::string("SELECT ") + kEventColumns + " FROM events WHERE agent = ?";
  if (turn) sql += " AND turn = ?";
  sql += " ORDER BY id";
  RawStmt q(db_, sql, Fetch::streamed);
  q.bind(1, agent);
  if (turn) q.bind(2, *turn);
  Statement& st = q.row();
  EventRecord e;
  std::int64_t n = 0;
  while (q.step()) {
    e.id = st.int64(0);
    auto text = [&](std::string& out, int i) {
      auto v = column_text(st, i);
      out.assign(v.data(), v.size());
    };
    text(e.agent, 1);
    e.turn = column_opt_int(st, 2);
    text(e.created_at, 3);
    text(e.kind, 4);
    text(e.level, 5);
    text(e.data, 6);
    fn(e);
    ++n;
  }
  return n;
}

std::vector<EventRecord> Events::feed(const EventFilter& filter, std::int64_t after_id, int limit) {
  std::vector<std::string> values;
  std::string sql = std::string("SELECT ") + kEventColumns + " FROM events WHERE id > ?" +
                    filter_sql(filter, values) + " ORDER BY id LIMIT ?";
  Stmt q(db_, sql);
  int at = 1;
  q.bind(at++, static_cast<int64_t>(after_id));
  for (const auto& v : values) q.bind(at++, v);
  q.bind(at, limit);
  std::vector<EventRecord> out;
  while (q.executeStep()) out.push_back(read_event(q));
  return out;
}

std::vector<EventRecord> Events::feed_tail(const EventFilter& filter, int count) {
  std::vector<std::string> values;
  std::string sql = std::string("SELECT ") + kEventColumns + " FROM events WHERE 1=1" +
                    filter_sql(filter, values) + " ORDER BY id DESC LIMIT ?";
  Stmt q(db_, sql);
  int at = 1;
  for (const auto& v : values) q.bind(at++, v);
  q.bind(at, count);
  std::vector<EventRecord> out;
  while (q.executeStep()) out.push_back(read_event(q));
  return {out.rbegin(), out.rend()};
}

std::optional<EventRecord> Events::last_of_kind(std::string_view agent, std::string_view kind) {
  Stmt q(db_, std::string("SELECT ") + kEventColumns +
                  " FROM events WHERE agent = ? AND kind = ? ORDER BY id DESC LIMIT 1");
  q.bind(1, std::string(agent));
  q.bind(2, std::string(kind));
  if (!q.executeStep()) return std::nullopt;
  return read_event(q);
}

int Events::count(std::string_view agent, std::string_view kind) {
  Stmt q(db_, "SELECT count(*) FROM events WHERE agent = ? AND kind = ?");
  q.bind(1, std::string(agent));
  q.bind(2, std::string(kind));
  q.executeStep();
  return q.getColumn(0).getInt();
}

}  // namespace drover::store
