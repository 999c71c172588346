// The two-host torture's lease and fence invariants: see host_invariants.h.
#include "host_invariants.h"

#include <doctest/doctest.h>

#include <map>

#include "invariants.h"
#include "support/database.h"

namespace torture {

using namespace e2e;

namespace {

struct TurnRow {
  std::string agent, host;
  long long token = 0;
  long long started_event = 0, ended_event = 0;  // turn_start, turn_end event ids (0: none)
};

struct Move {  // a host_lost event
  long long event = 0;
  std::string from, to;
  long long token = 0;
};

// Rows of "a|b|c…" from one query.
std::vector<std::vector<std::string>> rows(const TempProject& p, const std::string& q) {
  std::vector<std::vector<std::string>> out;
  for (const auto& line : split_lines(sql(p, q))) out.push_back(split(line, '|'));
  return out;
}

}  // namespace

void check_leases(const TempProject& p, const std::string& when) {
  INFO("leases, after " << when);
  std::map<long long, TurnRow> turns;
  for (const auto& r : rows(p,
                            "SELECT id || '|' || agent || '|' || host || '|' || token FROM turns "
                            "WHERE host IS NOT NULL")) {
    REQUIRE(r.size() == 4);
    turns[std::stoll(r[0])] = {r[1], r[2], std::stoll(r[3]), 0, 0};
  }
  // Turns without a host predate leases: a run of the torture has none.
  CHECK(sql_int(p, "SELECT count(*) FROM turns WHERE host IS NULL OR token IS NULL") == 0);
  for (const auto& r : rows(p,
                            "SELECT id || '|' || turn || '|' || kind FROM events WHERE kind IN "
                            "('turn_start', 'turn_end') AND turn IS NOT NULL")) {
    REQUIRE(r.size() == 3);
    auto t = turns.find(std::stoll(r[1]));
    if (t == turns.end()) continue;
    (r[2] == "turn_start" ? t->second.started_event : t->second.ended_event) = std::stoll(r[0]);
  }
  std::map<std::string, std::vector<Move>> moves;  // agent -> its host_lost events, in order
  for (const auto& r :
       rows(p, "SELECT id || '|' || agent || '|' || " + json_field("data", "host") + " || '|' || " +
                   json_field("data", "taken_by") + " || '|' || " + json_field("data", "token") +
                   " FROM events WHERE kind = 'host_lost' "
                   "ORDER BY id")) {
    REQUIRE(r.size() == 5);
    moves[r[1]].push_back({std::stoll(r[0]), r[2], r[3], std::stoll(r[4])});
  }

  // The chain of each agent: token -> holder, and the event that ended each token's time.
  std::map<std::string, std::map<long long, std::string>> holder;
  std::map<std::string, std::map<long long, long long>> moved_on_at;  // token -> event id
  for (const auto& [id, t] : turns)
    if (t.token == 1 && !holder[t.agent].count(1)) holder[t.agent][1] = t.host;
  for (const auto& [agent, list] : moves) {
    auto& chain = holder[agent];
    for (const auto& m : list) {
      INFO("agent " << agent << ": host_lost event " << m.event << " moved it from " << m.from
                    << " to " << m.to << " under token " << m.token);
      CHECK(m.token >= 2);
      CHECK(!chain.count(m.token));  // each token is given once
      auto before = chain.find(m.token - 1);
      if (before != chain.end()) CHECK(before->second == m.from);  // taken from its holder
      chain[m.token] = m.to;
      moved_on_at[agent][m.token - 1] = m.event;
    }
  }
  // The lease row now is the last link.
  for (const auto& r : rows(p, "SELECT agent || '|' || host || '|' || token FROM leases")) {
    REQUIRE(r.size() == 3);
    INFO("agent " << r[0] << ": lease " << r[1] << " " << r[2]);
    auto& chain = holder[r[0]];
    long long token = std::stoll(r[2]);
    CHECK(chain.count(token) == 1);
    if (chain.count(token)) CHECK(chain[token] == r[1]);
    if (!chain.empty()) CHECK(chain.rbegin()->first == token);
  }
  // Every turn ran under a lease of the chain, and settled itself only while it held it.
  std::map<std::string, std::vector<long long>> by_agent;
  for (const auto& [id, t] : turns) {
    by_agent[t.agent].push_back(id);
    INFO("turn " << id << " of " << t.agent << " on " << t.host << " under lease " << t.token
                 << " (turn_start event " << t.started_event << ", turn_end event " << t.ended_event
                 << ")");
    auto& chain = holder[t.agent];
    CHECK(chain.count(t.token) == 1);
    if (chain.count(t.token)) CHECK(chain[t.token] == t.host);
    auto moved = moved_on_at[t.agent].find(t.token);
    if (t.ended_event != 0 && moved != moved_on_at[t.agent].end())
      CHECK(t.ended_event < moved->second);  // settled before its lease moved on
  }
  // Turns of one agent on different hosts that both settled themselves did not overlap.
  for (const auto& [agent, ids] : by_agent)
    for (std::size_t i = 0; i < ids.size(); ++i)
      for (std::size_t j = i + 1; j < ids.size(); ++j) {
        const TurnRow &x = turns[ids[i]], &y = turns[ids[j]];
        if (x.host == y.host || x.ended_event == 0 || y.ended_event == 0 || y.started_event == 0)
          continue;
        INFO("agent " << agent << ": turn " << ids[i] << " on " << x.host << " and turn " << ids[j]
                      << " on " << y.host);
        CHECK(x.ended_event < y.started_event);
      }
}

}  // namespace torture
