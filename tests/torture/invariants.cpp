// The torture's invariants and its notion of rest: see invariants.h.
#include "invariants.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "os/file_lock.h"
#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/store.h"

namespace torture {

using namespace e2e;
namespace fs = std::filesystem;

namespace {

constexpr const char* kFinished = "('completed', 'zombie', 'stopped', 'failed', 'stale')";

void check_nothing_held(const e2e::TempProject& p) {
  const std::string live_states = std::string("state NOT IN ") + kFinished;
  INFO("paused: " << e2e::sql(p,
                              "SELECT name || ' ' || coalesce(pause_reason, '') FROM "
                              "sessions WHERE paused_at IS NOT NULL AND " +
                                  live_states));
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM sessions WHERE paused_at IS NOT NULL AND " +
                            live_states) == 0);
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM settings WHERE key = 'estop'") == 0);
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM sessions WHERE pause_now <> 0 AND " + live_states) ==
        0);
  // A decided gate has its one `decision` reply, to the asker, in the gate's thread.
  INFO("gates without their decision mail: " << e2e::sql(
           p,
           "SELECT id || ' ' || decision FROM gates WHERE decision IS NOT NULL AND "
           "decision <> 'closed' AND decision_mail IS NULL"));
  CHECK(e2e::sql_int(p,
                     "SELECT count(*) FROM gates WHERE decision IS NOT NULL AND decision <> "
                     "'closed' AND decision_mail IS NULL") == 0);
  CHECK(e2e::sql_int(p,
                     "SELECT count(*) FROM gates g WHERE g.decision_mail IS NOT NULL AND "
                     "(SELECT count(*) FROM messages m WHERE m.type = 'decision' AND "
                     "m.reply_to = g.id) <> 1") == 0);
}

void check_live_carrying(const e2e::TempProject& p, const std::string& agent) {
  // message id -> the turns that carried it
  std::map<long long, std::set<long long>> carriers;
  std::error_code ec;
  const std::string pre = agent + ".";
  for (const auto& e : fs::directory_iterator(p.record_dir(), ec)) {
    std::string f = e.path().filename().string();
    if (f.rfind(pre, 0) != 0 || f.size() <= pre.size() + 5 || f.substr(f.size() - 5) != ".json")
      continue;
    std::string mid = f.substr(pre.size(), f.size() - pre.size() - 5);  // TURN or TURN.N
    auto dot = mid.find('.');
    std::string turn = mid.substr(0, dot);
    if (turn.empty() ||
        !std::all_of(turn.begin(), turn.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    auto j = e2e::Json::parse(e2e::read_text(e.path()), nullptr, false);
    if (j.is_discarded()) continue;
    std::string text = j.value("text", "");
    for (std::size_t pos = text.find("[MAIL #"); pos != std::string::npos;
         pos = text.find("[MAIL #", pos + 1))
      carriers[std::stoll(text.substr(pos + 7))].insert(std::stoll(turn));
  }
  if (carriers.empty()) return;
  // message id -> the turn that read it: one query per agent, not one per message.
  std::map<long long, long long> readers;
  for (const auto& row : split_lines(
           e2e::sql(p,
                    "SELECT id || '|' || claimed_turn FROM messages WHERE read_at IS NOT NULL AND "
                    "claimed_turn IS NOT NULL AND to_agent = '" +
                        agent + "'"))) {
    auto bar = row.find('|');
    readers[std::stoll(row.substr(0, bar))] = std::stoll(row.substr(bar + 1));
  }
  for (const auto& [id, turns] : carriers) {
    auto r = readers.find(id);
    if (r == readers.end()) continue;
    std::string seen;
    for (auto t : turns) seen += " " + std::to_string(t);
    INFO("agent " << agent << ": message " << id << " read by turn " << r->second << ", carried by"
                  << seen);
    CHECK(turns.count(r->second) == 1);
    CHECK(*turns.rbegin() == r->second);
  }
}

}  // namespace

std::vector<std::string> split(const std::string& s, char sep) {
  std::vector<std::string> out;
  std::size_t start = 0;
  while (true) {
    auto end = s.find(sep, start);
    out.push_back(s.substr(start, end == std::string::npos ? std::string::npos : end - start));
    if (end == std::string::npos) return out;
    start = end + 1;
  }
}
std::vector<std::string> split_lines(const std::string& s) {
  std::vector<std::string> out;
  for (auto& l : split(s, '\n'))
    if (!l.empty()) out.push_back(l);
  return out;
}

// Quiet: no turn in progress and no live agent with mail it could take.
bool at_rest(const TempProject& p) {
  return sql_int(p,
                 "SELECT (SELECT count(*) FROM sessions WHERE state = 'in_turn') + "
                 "(SELECT count(*) FROM turns WHERE ended_at IS NULL) + "
                 "(SELECT count(*) FROM messages m JOIN sessions s ON s.name = m.to_agent "
                 " WHERE m.read_at IS NULL AND s.state IN ('booting', 'between_turns'))") == 0;
}

void check_invariants(const TempProject& p, const std::vector<std::string>& tokens,
                      const std::string& when) {
  INFO("after " << when);
  // SQLite checks its file; PostgreSQL has no such check without an extension (amcheck).
  if (!e2e::on_postgresql()) CHECK(sql(p, "PRAGMA integrity_check") == "ok");
  // Every message a shell sent is stored exactly once (read, or still pending).
  for (const auto& t : tokens) {
    bool nudge = t.rfind("nudge-", 0) == 0;
    long long n = sql_int(p, std::string("SELECT count(*) FROM messages WHERE ") +
                                 (nudge ? "body" : "subject") + " = '" + t + "'");
    INFO("message " << t);
    CHECK(n == 1);
  }
  // Every message to a live agent was read: only a finished agent keeps unread mail.
  INFO("unread mail of live agents: " << sql(
           p,
           "SELECT m.id || ' to ' || m.to_agent FROM messages m JOIN sessions s ON s.name = "
           "m.to_agent WHERE m.read_at IS NULL AND s.state NOT IN " +
               std::string(kFinished)));
  CHECK(sql_int(p,
                "SELECT count(*) FROM messages m JOIN sessions s ON s.name = m.to_agent WHERE "
                "m.read_at IS NULL AND s.state NOT IN " +
                    std::string(kFinished)) == 0);
  // No message was carried by two turns at once, and read mail was read by a clean turn.
  // Live input: a message read by turn R was carried by R and by no later turn (mail
  // carried live and released unanswered is carried again: at-least-once).
  for (const auto& name : split_lines(sql(p, "SELECT name FROM sessions"))) {
    check_mail_invariants(p, name);
    check_live_carrying(p, name);
  }
  // Nothing held at rest: no pause, no E-stop, every decided gate answered.
  check_nothing_held(p);
  // Exactly one worker_died per death (no agent is resumed here, so at most one death),
  // except that an agent that sent its terminal mail may die without one (SPEC §5.5).
  // The reason goes last, on one line: it may hold '|' (a gate's "yes|no") or newlines.
  const std::string chr = e2e::on_postgresql() ? "chr" : "char";  // a character by its code
  auto rows = split_lines(sql(
      p,
      "SELECT s.name || '|' || s.state || '|' || "
      "(SELECT count(*) FROM messages m WHERE m.type = 'worker_died' AND m.from_agent = s.name) "
      "|| '|' || (SELECT count(*) FROM messages m WHERE m.type IN ('worker_done', 'result') "
      "AND m.from_agent = s.name) || '|' || "
      "replace(replace(coalesce(s.state_reason, ''), " +
          chr + "(10), ' '), " + chr + "(13), ' ') FROM sessions s WHERE s.name <> 'hub'"));
  for (const auto& row : rows) {
    auto parts = split(row, '|');
    REQUIRE(parts.size() >= 5);
    std::string reason =
        row.substr(parts[0].size() + parts[1].size() + parts[2].size() + parts[3].size() + 4);
    const std::string& state = parts[1];
    bool died = state == "zombie" || state == "stopped" || state == "failed" || state == "stale" ||
                (state == "completed" && reason.find("without terminal mail") != std::string::npos);
    INFO("agent " << parts[0] << " is " << state << " (" << reason << ")");
    bool reported = std::stoll(parts[3]) > 0;
    if (died && reported) CHECK(std::stoll(parts[2]) <= 1);
    else CHECK(std::stoll(parts[2]) == (died ? 1 : 0));
  }
  // A passing fault (an fd or pid limit, a config edited or briefly invalid) never fails
  // an agent.
  for (const auto& why : split_lines(sql(p,
                                         "SELECT name || ': ' || coalesce(state_reason, '') "
                                         "FROM sessions WHERE state = 'failed'"))) {
    INFO("failed agent " << why);
    for (const char* passing : {"Too many open files", "Resource temporarily unavailable",
                                "Cannot allocate memory", "is not configured", "config"})
      CHECK(why.find(passing) == std::string::npos);
  }
  // No two turns of one agent ever overlapped (also covered per agent above) and nothing
  // is left claimed by a finished turn without being read.
  CHECK(sql_int(p,
                "SELECT count(*) FROM messages m JOIN turns t ON t.id = m.claimed_turn "
                "WHERE m.read_at IS NULL AND t.ended_at IS NOT NULL") == 0);
}

// No live agent has an open gate (the gates of finished agents are no longer open).
bool no_open_gates(const TempProject& p) {
  return sql_int(p,
                 "SELECT count(*) FROM gates g JOIN sessions s ON s.name = g.asker "
                 "WHERE g.decision IS NULL AND s.state NOT IN "
                 "('completed', 'zombie', 'stopped', 'failed', 'stale')") == 0;
}

// Every agent that is in_turn has a live runner holding its turn lock (eventually: a
// turn may be starting or ending while we look).
bool in_turn_agents_have_runners(const TempProject& p, const std::vector<fs::path>& roots) {
  for (const auto& name : split_lines(sql(p, "SELECT name FROM sessions WHERE state = 'in_turn'")))
    if (std::none_of(roots.begin(), roots.end(), [&](const fs::path& root) {
          return drover::os::is_locked(root / ".drover/agents" / name / "turn.lock");
        }))
      return false;
  return true;
}

}  // namespace torture
