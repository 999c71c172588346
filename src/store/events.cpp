#include "store/events.h"

#include "store/statement.h"

#include <SQLiteCpp/SQLiteCpp.h>

#include "core/clock.h"
#include "store/sqlite_util.h"

namespace drover::store {

std::int64_t Events::add(std::string_view agent, std::optional<std::int64_t> turn,
                         std::string_view kind, std::string_view level, std::string_view data) {
  Stmt q(db_,
         "INSERT INTO events (agent, turn, created_at, kind, level, data) "
         "VALUES (?,?,?,?,?,?)");
  q.bind(1, std::string(agent));
  bind_opt(q, 2, turn);
  q.bind(3, now_timestamp());
  q.bind(4, std::string(kind));
  q.bind(5, std::string(level));
  q.bind(6, std::string(data.empty() ? std::string_view("{}") : data));
  q.exec();
  return db_.getLastInsertRowid();
}

std::int64_t Events::max_id() {
  Stmt q(db_, "SELECT coalesce(max(id), 0) FROM events");
  q.executeStep();
  return q.getColumn(0).getInt64();
}

namespace {
// One row of "SELECT id, agent, turn, created_at, kind, level, data".
template <class Query>
EventRecord read_event_row(Query& q) {
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
}  // namespace

std::vector<EventRecord> Events::for_agent(std::string_view agent, std::optional<std::int64_t> turn,
                                           std::int64_t after_id, int limit) {
  std::string sql =
      "SELECT id, agent, turn, created_at, kind, level, data FROM events WHERE agent = ? AND id > "
      "?";
  if (turn) sql += " AND turn = ?";
  sql += " ORDER BY id";
  if (limit > 0) sql += " LIMIT " + std::to_string(limit);
  SQLite::Statement q(db_, sql);
  q.bind(1, std::string(agent));
  q.bind(2, static_cast<int64_t>(after_id));
  if (turn) q.bind(3, static_cast<int64_t>(*turn));
  std::vector<EventRecord> out;
  while (q.executeStep()) {
    out.push_back(read_event_row(q));
  }
  return out;
}

std::optional<EventRecord> Events::last_of_kind(std::string_view agent, std::string_view kind) {
  Stmt q(db_,
         "SELECT id, agent, turn, created_at, kind, level, data FROM events WHERE agent = ? AND "
         "kind = ? ORDER BY id DESC LIMIT 1");
  q.bind(1, std::string(agent));
  q.bind(2, std::string(kind));
  if (!q.executeStep()) return std::nullopt;
  return read_event_row(q);
}

int Events::count(std::string_view agent, std::string_view kind) {
  Stmt q(db_, "SELECT count(*) FROM events WHERE agent = ? AND kind = ?");
  q.bind(1, std::string(agent));
  q.bind(2, std::string(kind));
  q.executeStep();
  return q.getColumn(0).getInt();
}

}  // namespace drover::store
