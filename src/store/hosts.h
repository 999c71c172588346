#pragma once
// The hosts repository (schema v12, docs/hosts.md): the machines whose supervisors share
// this store, and the lease that gives each agent to one of them. Reached only through
// store::Tx; every time here is the database's clock (milliseconds since the epoch), so
// hosts whose clocks disagree still agree on who is late.
//
// A host is live while seen_ms + lease_ms is ahead of the database's clock. A host that
// fell behind is taken over by another: in one write transaction it is marked lost and
// every lease it held moves to the taker with its token raised by one. A turn records the
// host and token it started under; its settle is fenced: it may write only while that
// pair is still the agent's lease.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drover::store {

class Connection;

struct HostRow {
  std::string name;
  std::int64_t pid = 0;
  std::string started_at;
  std::int64_t seen_ms = 0;
  std::int64_t lease_ms = 0;
  std::int64_t age_ms = 0;  // how long ago it renewed, by the database's clock
  std::optional<std::string> lost_at, lost_by;
  std::int64_t agents = 0;  // leases it holds
  bool live() const { return !lost_at && age_ms <= lease_ms; }
};

struct Lease {
  std::string host;
  std::int64_t token = 0;
};

// A host taken over: who it was and the agents that moved.
struct Takeover {
  std::string host;
  std::vector<std::string> agents;
};

class Hosts {
 public:
  explicit Hosts(Connection& db) : db_(db) {}

  // The database's clock now, in milliseconds since the epoch.
  std::int64_t now_ms();

  // A supervisor starting on `host`: its row says it is live from now (a lost mark is
  // cleared: the host starts over, its old leases are the takers').
  void enter(std::string_view host, std::int64_t pid, const std::string& started_at,
             std::int64_t lease_ms);
  // Renews the host's lease (one row, whatever number of agents it holds). False when the
  // row is gone or marked lost: another host took its agents.
  bool renew(std::string_view host, std::int64_t lease_ms);
  // Whether another host than `taker` has stopped renewing and is not marked lost yet.
  bool any_expired(std::string_view taker);
  // Agents in a turn whose stop or `pause --now` was asked for (from any host): the running
  // host ends their turns. Reads the partial index sessions_in_turn only.
  std::vector<std::string> stopping_in_turn();
  // Every host, by name.
  std::vector<HostRow> list();

  // Other hosts that stopped renewing are marked lost by `taker`; their leases move to it
  // with raised tokens. What moved, host by host.
  std::vector<Takeover> take_over_expired(std::string_view taker, const std::string& at);

  // The agent's lease, if any.
  std::optional<Lease> lease_of(std::string_view agent);
  // Gives the agent to `host` unless another host holds it: its token, or nullopt (the
  // holder's lease is in `holder`). An agent nobody held gets token 1.
  std::optional<std::int64_t> acquire(std::string_view agent, std::string_view host,
                                      Lease* holder = nullptr);
  // Whether a turn that started under (host, token) may still write: the agent's lease is
  // that pair, or the turn predates leases (no host), or the agent has no lease at all.
  // Otherwise the current lease, for the message.
  std::optional<Lease> fenced(std::string_view agent, const std::optional<std::string>& host,
                              std::optional<std::int64_t> token);
  // Every lease: agent → host.
  std::map<std::string, std::string> hosts_by_agent();
  // Agents some other host than `host` holds.
  std::vector<std::string> held_elsewhere(std::string_view host);

 private:
  Connection& db_;
};

}  // namespace drover::store
