#include "store/mail.h"

#include "store/statement.h"

#include "core/clock.h"
#include "store/sqlite_util.h"

namespace drover::store {

namespace {

constexpr const char* kMailColumns =
    "id, from_agent, to_agent, subject, body, type, priority, thread_id, reply_to, payload, "
    "created_at, read_at, claimed_turn, live";

template <class Query>
MailMessage read_message(Query& q) {
  MailMessage m;
  m.id = q.getColumn(0).getInt64();
  m.from = q.getColumn(1).getString();
  m.to = q.getColumn(2).getString();
  m.subject = q.getColumn(3).getString();
  m.body = q.getColumn(4).getString();
  m.type = q.getColumn(5).getString();
  m.priority = q.getColumn(6).getString();
  m.thread_id = opt_int(q.getColumn(7));
  m.reply_to = opt_int(q.getColumn(8));
  m.payload = opt_text(q.getColumn(9));
  m.created_at = q.getColumn(10).getString();
  m.read_at = opt_text(q.getColumn(11));
  m.claimed_turn = opt_int(q.getColumn(12));
  int live = q.getColumn(13).getInt();
  m.delivery = live == 1 ? Delivery::live : live == 2 ? Delivery::interrupt : Delivery::next_turn;
  return m;
}

template <class Query>
std::vector<MailMessage> collect(Query& q) {
  std::vector<MailMessage> out;
  while (q.executeStep()) out.push_back(read_message(q));
  return out;
}

}  // namespace

std::int64_t Mail::insert(const MailMessage& m) {
  Stmt q(db_,
         "INSERT INTO messages (from_agent, to_agent, subject, body, type, priority, "
         "thread_id, reply_to, payload, created_at, live) VALUES (?,?,?,?,?,?,?,?,?,?,?) "
         "RETURNING id");
  q.bind(1, m.from);
  q.bind(2, m.to);
  q.bind(3, m.subject);
  q.bind(4, m.body);  // bound with its length, so NUL bytes survive
  q.bind(5, m.type);
  q.bind(6, m.priority);
  bind_opt(q, 7, m.thread_id);
  bind_opt(q, 8, m.reply_to);
  bind_opt(q, 9, m.payload);
  q.bind(10, m.created_at.empty() ? now_timestamp() : m.created_at);
  q.bind(11, static_cast<int>(m.delivery));
  return q.insert_id();
}

std::optional<MailMessage> Mail::get(std::int64_t id) {
  Stmt q(db_, std::string("SELECT ") + kMailColumns + " FROM messages WHERE id = ?");
  q.bind(1, static_cast<int64_t>(id));
  if (!q.executeStep()) return std::nullopt;
  return read_message(q);
}

namespace {

std::string list_sql(const MailFilter& f) {
  std::string sql = std::string("SELECT ") + kMailColumns + " FROM messages WHERE 1=1";
  if (f.to) sql += " AND to_agent = ?";
  if (f.from) sql += " AND from_agent = ?";
  if (f.unread_only) sql += " AND read_at IS NULL";
  if (f.type) sql += " AND type = ?";
  if (f.since) sql += " AND created_at >= ?";
  sql += " ORDER BY id DESC";
  if (f.limit > 0) sql += " LIMIT " + std::to_string(f.limit);
  return sql;
}

// Binds the filter's values in the order list_sql names them.
void bind_filter(Stmt& q, const MailFilter& f) {
  int at = 1;
  if (f.to) q.bind(at++, *f.to);
  if (f.from) q.bind(at++, *f.from);
  if (f.type) q.bind(at++, *f.type);
  if (f.since) q.bind(at++, *f.since);
}

}  // namespace

std::vector<MailMessage> Mail::list(const MailFilter& f) {
  Stmt q(db_, list_sql(f));
  bind_filter(q, f);
  return collect(q);
}

std::int64_t Mail::for_each(const MailFilter& f, const std::function<void(const MailView&)>& fn) {
  RawStmt q(db_, list_sql(f), Fetch::streamed);
  bind_filter(q, f);
  Statement& st = q.row();
  std::int64_t n = 0;
  MailView v;
  while (q.step()) {
    v.id = st.int64(0);
    v.from = column_text(st, 1);
    v.to = column_text(st, 2);
    v.subject = column_text(st, 3);
    v.body = column_text(st, 4);
    v.type = column_text(st, 5);
    v.priority = column_text(st, 6);
    v.thread_id = column_opt_int(st, 7);
    v.reply_to = column_opt_int(st, 8);
    v.payload = column_opt_text(st, 9);
    v.created_at = column_text(st, 10);
    v.read_at = column_opt_text(st, 11);
    fn(v);
    ++n;
  }
  return n;
}

std::vector<MailMessage> Mail::unread_for(std::string_view agent) {
  Stmt q(db_, std::string("SELECT ") + kMailColumns +
                  " FROM messages WHERE to_agent = ? AND read_at IS NULL ORDER BY id");
  q.bind(1, std::string(agent));
  return collect(q);
}

void Mail::mark_read(std::int64_t id, const std::string& ts) {
  Stmt q(db_, "UPDATE messages SET read_at = ? WHERE id = ? AND read_at IS NULL");
  q.bind(1, ts);
  q.bind(2, static_cast<int64_t>(id));
  q.exec();
}

bool Mail::mark_read_unclaimed(std::int64_t id, const std::string& ts) {
  Stmt q(db_,
         "UPDATE messages SET read_at = ? WHERE id = ? AND read_at IS NULL AND "
         "claimed_turn IS NULL");
  q.bind(1, ts);
  q.bind(2, static_cast<int64_t>(id));
  return q.exec() == 1;
}

std::vector<MailMessage> Mail::pending_for(std::string_view agent) {
  Stmt q(db_, std::string("SELECT ") + kMailColumns +
                  " FROM messages WHERE to_agent = ? AND read_at IS NULL AND "
                  "claimed_turn IS NULL ORDER BY id");
  q.bind(1, std::string(agent));
  return collect(q);
}

int Mail::unread_count(std::string_view agent) {
  Stmt q(db_, "SELECT count(*) FROM messages WHERE to_agent = ? AND read_at IS NULL");
  q.bind(1, std::string(agent));
  q.executeStep();
  return q.getColumn(0).getInt();
}

std::map<std::string, int> Mail::unread_by_session() {
  Stmt q(db_,
         "SELECT name, n FROM (SELECT s.name AS name, (SELECT count(*) FROM messages m "
         "WHERE m.to_agent = s.name AND m.read_at IS NULL) AS n FROM sessions s) AS unread "
         "WHERE n > 0");
  std::map<std::string, int> out;
  while (q.executeStep()) out[q.getColumn(0).getString()] = q.getColumn(1).getInt();
  return out;
}

std::int64_t Mail::max_id() {
  Stmt q(db_, "SELECT coalesce(max(id), 0) FROM messages");
  q.step();
  return q.getColumn(0).getInt64();
}

int Mail::claim_pending(std::string_view agent, std::int64_t turn) {
  Stmt q(db_,
         "UPDATE messages SET claimed_turn = ? WHERE to_agent = ? AND "
         "read_at IS NULL AND claimed_turn IS NULL");
  q.bind(1, static_cast<int64_t>(turn));
  q.bind(2, std::string(agent));
  return q.exec();
}

std::vector<MailMessage> Mail::claim_live(std::string_view agent, std::int64_t turn) {
  constexpr const char* kLivePending =
      " WHERE to_agent = ? AND live > 0 AND read_at IS NULL AND claimed_turn IS NULL";
  Stmt q(db_,
         std::string("SELECT ") + kMailColumns + " FROM messages" + kLivePending + " ORDER BY id");
  q.bind(1, std::string(agent));
  auto out = collect(q);
  if (out.empty()) return out;
  Stmt claim(db_,
             std::string("UPDATE messages SET claimed_turn = ?") + kLivePending + " AND id <= ?");
  claim.bind(1, static_cast<int64_t>(turn));
  claim.bind(2, std::string(agent));
  claim.bind(3, static_cast<int64_t>(out.back().id));
  claim.exec();
  for (auto& m : out) m.claimed_turn = turn;
  return out;
}

int Mail::release(const std::vector<std::int64_t>& ids) {
  int n = 0;
  for (auto id : ids) {
    Stmt q(db_, "UPDATE messages SET claimed_turn = NULL WHERE id = ? AND read_at IS NULL");
    q.bind(1, static_cast<int64_t>(id));
    n += q.exec();
  }
  return n;
}

std::vector<std::string> Mail::agents_with_live_mail() {
  Stmt q(db_,
         "SELECT DISTINCT to_agent FROM messages WHERE live > 0 AND read_at IS NULL AND "
         "claimed_turn IS NULL");
  std::vector<std::string> out;
  while (q.executeStep()) out.push_back(q.getColumn(0).getString());
  return out;
}

std::vector<MailMessage> Mail::claimed_by(std::int64_t turn) {
  Stmt q(db_, std::string("SELECT ") + kMailColumns +
                  " FROM messages WHERE claimed_turn = ? ORDER BY id");
  q.bind(1, static_cast<int64_t>(turn));
  return collect(q);
}

int Mail::mark_turn_read(std::int64_t turn, const std::string& ts) {
  Stmt q(db_, "UPDATE messages SET read_at = ? WHERE claimed_turn = ? AND read_at IS NULL");
  q.bind(1, ts);
  q.bind(2, static_cast<int64_t>(turn));
  return q.exec();
}

int Mail::release_turn(std::int64_t turn) {
  Stmt q(db_, "UPDATE messages SET claimed_turn = NULL WHERE claimed_turn = ? AND read_at IS NULL");
  q.bind(1, static_cast<int64_t>(turn));
  return q.exec();
}

bool Mail::sent_since(std::string_view agent, const std::vector<std::string>& types,
                      std::int64_t after_id) {
  if (types.empty()) return false;
  std::string sql = "SELECT 1 FROM messages WHERE from_agent = ? AND id > ? AND type IN (";
  for (std::size_t i = 0; i < types.size(); ++i) sql += i ? ",?" : "?";
  sql += ") LIMIT 1";
  Stmt q(db_, sql);
  q.bind(1, std::string(agent));
  q.bind(2, static_cast<int64_t>(after_id));
  for (std::size_t i = 0; i < types.size(); ++i) q.bind(static_cast<int>(i + 3), types[i]);
  return q.executeStep();
}

int Mail::arrived_since(std::string_view agent, std::int64_t after_id) {
  Stmt q(db_,
         "SELECT count(*) FROM messages WHERE to_agent = ? AND id > ? AND "
         "read_at IS NULL AND claimed_turn IS NULL");
  q.bind(1, std::string(agent));
  q.bind(2, static_cast<int64_t>(after_id));
  q.executeStep();
  return q.getColumn(0).getInt();
}

}  // namespace drover::store
