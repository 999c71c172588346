#include "store/hosts.h"

#include "store/db.h"
#include "store/sqlite_util.h"
#include "store/statement.h"

namespace drover::store {

namespace {

// Milliseconds since the epoch by the database's clock: the one clock every host agrees on.
const char* now_sql(Dialect d) {
  return d == Dialect::postgresql
             ? "SELECT CAST(EXTRACT(EPOCH FROM clock_timestamp()) * 1000 AS BIGINT)"
             : "SELECT CAST((julianday('now') - 2440587.5) * 86400000.0 AS INTEGER)";
}

}  // namespace

std::int64_t Hosts::now_ms() {
  Stmt q(db_, now_sql(db_.dialect()));
  q.step();
  return q.getColumn(0).getInt64();
}

void Hosts::enter(std::string_view host, std::int64_t pid, const std::string& started_at,
                  std::int64_t lease_ms) {
  std::int64_t now = now_ms();
  Stmt q(db_,
         "INSERT INTO hosts (name, pid, started_at, seen_ms, lease_ms) VALUES (?,?,?,?,?) "
         "ON CONFLICT (name) DO UPDATE SET pid = excluded.pid, started_at = excluded.started_at, "
         "seen_ms = excluded.seen_ms, lease_ms = excluded.lease_ms, lost_at = NULL, "
         "lost_by = NULL");
  q.bind(1, std::string(host));
  q.bind(2, pid);
  q.bind(3, started_at);
  q.bind(4, now);
  q.bind(5, lease_ms);
  q.exec();
}

bool Hosts::renew(std::string_view host, std::int64_t lease_ms) {
  std::int64_t now = now_ms();
  Stmt q(db_, "UPDATE hosts SET seen_ms = ?, lease_ms = ? WHERE name = ? AND lost_at IS NULL");
  q.bind(1, now);
  q.bind(2, lease_ms);
  q.bind(3, std::string(host));
  return q.exec() == 1;
}

bool Hosts::any_expired(std::string_view taker) {
  std::int64_t now = now_ms();
  Stmt q(db_,
         "SELECT 1 FROM hosts WHERE lost_at IS NULL AND name <> ? AND seen_ms + lease_ms < ? "
         "LIMIT 1");
  q.bind(1, std::string(taker));
  q.bind(2, now);
  return q.step();
}

std::vector<std::string> Hosts::stopping_in_turn() {
  Stmt q(db_,
         "SELECT name FROM sessions WHERE state = 'in_turn' AND (stop_requested = 1 OR "
         "pause_now = 1)");
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.getColumn(0).getString());
  return out;
}

std::vector<HostRow> Hosts::list() {
  std::int64_t now = now_ms();
  Stmt q(db_,
         "SELECT h.name, h.pid, h.started_at, h.seen_ms, h.lease_ms, h.lost_at, h.lost_by, "
         "(SELECT count(*) FROM leases l WHERE l.host = h.name) FROM hosts h ORDER BY h.name");
  std::vector<HostRow> out;
  while (q.step()) {
    HostRow h;
    h.name = q.getColumn(0).getString();
    h.pid = q.getColumn(1).getInt64();
    h.started_at = q.getColumn(2).getString();
    h.seen_ms = q.getColumn(3).getInt64();
    h.lease_ms = q.getColumn(4).getInt64();
    h.age_ms = now - h.seen_ms;
    h.lost_at = opt_text(q.getColumn(5));
    h.lost_by = opt_text(q.getColumn(6));
    h.agents = q.getColumn(7).getInt64();
    out.push_back(std::move(h));
  }
  return out;
}

std::vector<Takeover> Hosts::take_over_expired(std::string_view taker, const std::string& at) {
  std::int64_t now = now_ms();
  std::vector<Takeover> out;
  {
    Stmt q(db_,
           "SELECT name FROM hosts WHERE lost_at IS NULL AND name <> ? AND seen_ms + lease_ms < ? "
           "ORDER BY name");
    q.bind(1, std::string(taker));
    q.bind(2, now);
    while (q.step()) out.push_back({q.getColumn(0).getString(), {}});
  }
  for (auto& t : out) {
    Stmt mark(db_, "UPDATE hosts SET lost_at = ?, lost_by = ? WHERE name = ?");
    mark.bind(1, at);
    mark.bind(2, std::string(taker));
    mark.bind(3, t.host);
    mark.exec();
    {
      Stmt agents(db_, "SELECT agent FROM leases WHERE host = ? ORDER BY agent");
      agents.bind(1, t.host);
      while (agents.step()) t.agents.push_back(agents.getColumn(0).getString());
    }
    Stmt move(db_, "UPDATE leases SET host = ?, token = token + 1 WHERE host = ?");
    move.bind(1, std::string(taker));
    move.bind(2, t.host);
    move.exec();
  }
  return out;
}

std::optional<Lease> Hosts::lease_of(std::string_view agent) {
  Stmt q(db_, "SELECT host, token FROM leases WHERE agent = ?");
  q.bind(1, std::string(agent));
  if (!q.step()) return std::nullopt;
  return Lease{q.getColumn(0).getString(), q.getColumn(1).getInt64()};
}

std::optional<std::int64_t> Hosts::acquire(std::string_view agent, std::string_view host,
                                           Lease* holder) {
  if (auto held = lease_of(agent)) {
    if (held->host == host) return held->token;
    if (holder) *holder = *held;
    return std::nullopt;
  }
  Stmt q(db_, "INSERT INTO leases (agent, host, token) VALUES (?, ?, 1)");
  q.bind(1, std::string(agent));
  q.bind(2, std::string(host));
  q.exec();
  return 1;
}

std::optional<Lease> Hosts::fenced(std::string_view agent, const std::optional<std::string>& host,
                                   std::optional<std::int64_t> token) {
  if (!host || !token) return std::nullopt;
  auto held = lease_of(agent);
  if (!held) return std::nullopt;
  if (held->host == *host && held->token == *token) return std::nullopt;
  return held;
}

std::map<std::string, std::string> Hosts::hosts_by_agent() {
  Stmt q(db_, "SELECT agent, host FROM leases");
  std::map<std::string, std::string> out;
  while (q.step()) out.emplace(q.getColumn(0).getString(), q.getColumn(1).getString());
  return out;
}

std::vector<std::string> Hosts::held_elsewhere(std::string_view host) {
  Stmt q(db_, "SELECT agent FROM leases WHERE host <> ? ORDER BY agent");
  q.bind(1, std::string(host));
  std::vector<std::string> out;
  while (q.step()) out.push_back(q.getColumn(0).getString());
  return out;
}

}  // namespace drover::store
