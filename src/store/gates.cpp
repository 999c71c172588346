#include "store/gates.h"

#include "store/statement.h"

#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "core/session_state.h"
#include "store/sqlite_util.h"

namespace drover::store {

namespace {

constexpr const char* kGateColumns =
    "g.id, g.asker, g.to_agent, g.question, g.options, g.step, g.holds_turns, g.asked_at, "
    "g.decision, g.note, g.decided_by, g.decided_at, g.decision_mail";

std::vector<std::string> parse_options(const std::string& text) {
  std::vector<std::string> out;
  auto j = nlohmann::json::parse(text, nullptr, false);
  if (j.is_array())
    for (const auto& o : j)
      if (o.is_string()) out.push_back(o.get<std::string>());
  return out;
}

template <class Query>
std::vector<Gate> collect_gates(Query& q) {
  std::vector<Gate> out;
  while (q.executeStep()) {
    Gate g;
    g.id = q.getColumn(0).getInt64();
    g.asker = q.getColumn(1).getString();
    g.to = q.getColumn(2).getString();
    g.question = q.getColumn(3).getString();
    g.options = parse_options(q.getColumn(4).getString());
    g.step = opt_text(q.getColumn(5));
    g.holds_turns = q.getColumn(6).getInt() != 0;
    g.asked_at = q.getColumn(7).getString();
    g.decision = opt_text(q.getColumn(8));
    g.note = opt_text(q.getColumn(9));
    g.decided_by = opt_text(q.getColumn(10));
    g.decided_at = opt_text(q.getColumn(11));
    g.decision_mail = opt_int(q.getColumn(12));
    out.push_back(std::move(g));
  }
  return out;
}

std::string live_states() {
  std::string out;
  for (auto s : {SessionState::booting, SessionState::between_turns, SessionState::in_turn}) {
    if (!out.empty()) out += ",";
    out += "'" + std::string(to_string(s)) + "'";
  }
  return out;
}

}  // namespace

void Gates::insert(const Gate& g) {
  Stmt q(db_,
         "INSERT INTO gates (id, asker, to_agent, question, options, step, holds_turns, asked_at) "
         "VALUES (?, ?, ?, ?, ?, ?, ?, ?)");
  q.bind(1, static_cast<int64_t>(g.id));
  q.bind(2, g.asker);
  q.bind(3, g.to);
  q.bind(4, g.question);
  q.bind(5, dump_json(nlohmann::json(g.options)));
  bind_opt(q, 6, g.step);
  q.bind(7, g.holds_turns ? 1 : 0);
  q.bind(8, g.asked_at);
  q.exec();
}

std::optional<Gate> Gates::get(std::int64_t id) {
  Stmt q(db_, std::string("SELECT ") + kGateColumns + " FROM gates g WHERE g.id = ?");
  q.bind(1, static_cast<int64_t>(id));
  auto v = collect_gates(q);
  if (v.empty()) return std::nullopt;
  return v.front();
}

std::vector<Gate> Gates::open(std::optional<std::string_view> asker) {
  std::string sql = std::string("SELECT ") + kGateColumns +
                    " FROM gates g JOIN sessions s ON s.name = g.asker "
                    "WHERE g.decided_at IS NULL AND g.asked_at >= s.created_at AND s.state IN (" +
                    live_states() + ")";
  if (asker) sql += " AND g.asker = ?";
  sql += " ORDER BY g.id";
  Stmt q(db_, sql);
  if (asker) q.bind(1, std::string(*asker));
  return collect_gates(q);
}

bool Gates::decide(std::int64_t id, const std::string& decision,
                   const std::optional<std::string>& note, const std::string& by,
                   const std::string& at, std::int64_t mail) {
  Stmt q(db_,
         "UPDATE gates SET decision = ?, note = ?, decided_by = ?, decided_at = ?, "
         "decision_mail = ? WHERE id = ? AND decided_at IS NULL");
  q.bind(1, decision);
  bind_opt(q, 2, note);
  q.bind(3, by);
  q.bind(4, at);
  q.bind(5, static_cast<int64_t>(mail));
  q.bind(6, static_cast<int64_t>(id));
  return q.exec() == 1;
}

std::vector<Gate> Gates::undecided_of(std::string_view asker) {
  Stmt q(db_, std::string("SELECT ") + kGateColumns +
                  " FROM gates g WHERE g.asker = ? AND g.decided_at IS NULL ORDER BY g.id");
  q.bind(1, std::string(asker));
  return collect_gates(q);
}

bool Gates::holding(std::string_view agent) {
  Stmt q(db_,
         "SELECT 1 FROM gates g JOIN sessions s ON s.name = g.asker WHERE g.asker = ? AND "
         "g.decided_at IS NULL AND g.holds_turns = 1 AND g.asked_at >= s.created_at LIMIT 1");
  q.bind(1, std::string(agent));
  return q.executeStep();
}

std::optional<Gate> Gates::latest_decided(std::string_view asker, std::string_view step) {
  Stmt q(db_, std::string("SELECT ") + kGateColumns +
                  " FROM gates g WHERE g.asker = ? AND g.step = ? AND g.decided_at IS NOT NULL "
                  "AND g.decision <> 'closed' ORDER BY g.decided_at DESC, g.id DESC LIMIT 1");
  q.bind(1, std::string(asker));
  q.bind(2, std::string(step));
  auto v = collect_gates(q);
  if (v.empty()) return std::nullopt;
  return v.front();
}

}  // namespace drover::store
