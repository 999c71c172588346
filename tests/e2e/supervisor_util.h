#pragma once
// Helpers shared by the supervisor end-to-end tests (supervisor, recovery, commands): running
// drover with the agent environment, reading the database through the sqlite3 CLI, the
// scripted agent's per-turn records, and process groups in /proc.
#include <dirent.h>
#include <doctest/doctest.h>
#include <signal.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "foundation_util.h"
#include "harness.h"
#include "os/file_lock.h"

namespace e2e {

using Json = nlohmann::json;
inline constexpr std::chrono::seconds kDeadline{20};
// Scripted-agent directive: report worker_done to the operator (a builder's terminal mail).
inline const std::string kReportToOperator = "#!mail --to operator --type worker_done --subject done --body ok";

inline RunOptions agent_opts(const TempProject& p) {
  RunOptions o;
  o.env = p.agent_env();
  return o;
}

// `drover args…` with the agent environment (the command may start a supervisor).
inline Run run(const TempProject& p, const std::vector<std::string>& args) { return p.drover(args, agent_opts(p)); }

// `drover args…` that must succeed.
inline Run ok(const TempProject& p, const std::vector<std::string>& args) {
  Run r = run(p, args);
  INFO("drover " << args.at(0) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return r;
}

inline void sling(const TempProject& p, std::vector<std::string> args) {
  args.insert(args.begin(), "sling");
  (void)ok(p, args);
}

// The output of one query (sqlite3 CLI, waiting on locks), without the trailing newline.
inline std::string q(const TempProject& p, const std::string& query) {
  Run r = TempProject::command({"sqlite3", "-cmd", ".timeout 10000", db_path(p).string(), query});
  INFO("sqlite3: " << query << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  while (!r.out.empty() && r.out.back() == '\n') r.out.pop_back();
  return r.out;
}
inline long long qn(const TempProject& p, const std::string& query) {
  auto s = q(p, query);
  return s.empty() ? 0 : std::stoll(s);
}

inline std::string state_of(const TempProject& p, const std::string& agent) {
  return q(p, "SELECT state FROM sessions WHERE name = '" + agent + "'");
}
inline bool wait_state(const TempProject& p, const std::string& agent, const std::string& state,
                       std::chrono::milliseconds timeout = kDeadline) {
  return wait_until([&] { return state_of(p, agent) == state; }, timeout);
}
inline long long turn_count(const TempProject& p, const std::string& agent) {
  return qn(p, "SELECT turn_count FROM sessions WHERE name = '" + agent + "'");
}

// The scripted agent's records for `agent` (<agent>.<turn>.json), in turn order.
inline std::vector<Json> records(const TempProject& p, const std::string& agent) {
  std::map<long long, Json> by_turn;
  std::error_code ec;
  for (const auto& e : std::filesystem::directory_iterator(p.record_dir(), ec)) {
    std::string f = e.path().filename().string();
    std::string pre = agent + ".";
    if (f.rfind(pre, 0) != 0 || f.size() <= pre.size() + 5 || f.substr(f.size() - 5) != ".json") continue;
    std::string mid = f.substr(pre.size(), f.size() - pre.size() - 5);
    if (mid.empty() || !std::all_of(mid.begin(), mid.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    auto j = Json::parse(read_text(e.path()), nullptr, false);
    if (!j.is_discarded()) by_turn[std::stoll(mid)] = j;
  }
  std::vector<Json> out;
  for (auto& [turn, j] : by_turn) out.push_back(j);
  return out;
}
inline bool wait_records(const TempProject& p, const std::string& agent, std::size_t n) {
  return wait_until([&] { return records(p, agent).size() >= n; }, kDeadline);
}
inline bool argv_has(const Json& record, const std::string& arg) {
  for (const auto& a : record["argv"])
    if (a == arg) return true;
  return false;
}

// `drover mail list --json --limit 0 filters…`
inline std::vector<Json> mail(const TempProject& p, std::vector<std::string> filters) {
  filters.insert(filters.begin(), {"mail", "list", "--json", "--limit", "0"});
  Run r = p.drover(filters);
  INFO(r.err);
  REQUIRE(r.code == 0);
  return r.json()["messages"].get<std::vector<Json>>();
}

// Whether any process that is not a zombie is in process group `pgid` (a /proc scan).
inline bool group_alive(long long pgid) {
  DIR* dir = ::opendir("/proc");
  REQUIRE(dir != nullptr);
  bool alive = false;
  while (dirent* e = ::readdir(dir)) {
    if (!std::isdigit(static_cast<unsigned char>(e->d_name[0]))) continue;
    std::string stat = read_text(std::string("/proc/") + e->d_name + "/stat");
    auto close = stat.rfind(')');
    if (close == std::string::npos) continue;  // exited while we looked
    std::istringstream rest(stat.substr(close + 2));
    char state = 0;
    long long ppid = 0, pgrp = 0;
    rest >> state >> ppid >> pgrp;
    if (pgrp == pgid && state != 'Z' && state != 'X') alive = true;
  }
  ::closedir(dir);
  return alive;
}

inline std::filesystem::path supervisor_lock(const TempProject& p) { return p.root() / ".drover/supervisor.lock"; }

inline pid_t supervisor_pid(const TempProject& p) {
  std::istringstream in(read_text(p.root() / ".drover/supervisor.pid"));
  pid_t pid = 0;
  in >> pid;
  return pid;
}

// SIGKILLs the running supervisor and waits until its lock is free.
inline void kill_supervisor(const TempProject& p) {
  pid_t pid = supervisor_pid(p);
  REQUIRE(pid > 0);
  REQUIRE(::kill(pid, SIGKILL) == 0);
  REQUIRE(wait_until([&] { return !drover::os::is_locked(supervisor_lock(p)); }, kDeadline));
}

// Mail invariants for one agent (SPEC §4, §5.1, §7): at most one unfinished turn and turns
// never overlap; a claimed unread message belongs to that unfinished turn; a read message was
// read by a turn that ended with a clean result (completed, waiting, a contract violation, or
// stopped only after the agent had given a clean result and exited 0); no turn's text carried a message that an
// overlapping turn also carried (covered by the no-overlap rule plus the records).
inline void check_mail_invariants(const TempProject& p, const std::string& agent) {
  std::string a = "'" + agent + "'";
  CHECK(qn(p, "SELECT count(*) FROM turns WHERE agent = " + a + " AND ended_at IS NULL") <= 1);
  CHECK(qn(p, "SELECT count(*) FROM turns x JOIN turns y ON x.agent = y.agent AND x.id < y.id "
              "WHERE x.agent = " + a + " AND (x.ended_at IS NULL OR x.ended_at > y.started_at)") == 0);
  CHECK(qn(p, "SELECT count(*) FROM messages WHERE to_agent = " + a + " AND read_at IS NULL AND "
              "claimed_turn IS NOT NULL AND claimed_turn NOT IN "
              "(SELECT id FROM turns WHERE agent = " + a + " AND ended_at IS NULL)") == 0);
  {
    const std::string bad_reads =
        " FROM messages m LEFT JOIN turns t ON t.id = m.claimed_turn WHERE m.to_agent = " + a +
        " AND m.read_at IS NOT NULL AND (t.id IS NULL OR (t.outcome NOT IN "
        "('completed', 'waiting', 'contract_violation') AND NOT (t.outcome = 'stopped' AND "
        "t.exit_code = 0 AND t.signal IS NULL AND EXISTS (SELECT 1 FROM events e WHERE "
        "e.turn = t.id AND e.kind = 'result' AND json_extract(e.data, '$.is_error') = 0))))";
    INFO("read without a clean turn (message|type|claimed turn|outcome|exit|signal|detail): "
         << q(p, "SELECT m.id, m.type, m.claimed_turn, t.outcome, t.exit_code, t.signal, t.detail" + bad_reads));
    CHECK(qn(p, "SELECT count(*)" + bad_reads) == 0);
  }
  // Each message id appears in the text of turns that are pairwise disjoint in time: with
  // no overlapping turns that holds; here check that no read message was also carried by a
  // later turn (it would have been delivered twice after it was consumed).
  auto recs = records(p, agent);
  std::map<long long, long long> last_turn_carrying;
  for (const auto& r : recs) {
    std::string text = r.value("text", "");
    long long turn = std::stoll(r["env"].value("DROVER_TURN", "0"));
    for (std::size_t pos = text.find("[MAIL #"); pos != std::string::npos; pos = text.find("[MAIL #", pos + 1))
      last_turn_carrying[std::stoll(text.substr(pos + 7))] = turn;
  }
  for (const auto& [id, turn] : last_turn_carrying) {
    auto reader = q(p, "SELECT CASE WHEN read_at IS NULL THEN '' ELSE claimed_turn END FROM messages WHERE id = " +
                           std::to_string(id));
    INFO("message " << id << " last carried by turn " << turn);
    if (!reader.empty()) CHECK(std::stoll(reader) == turn);
  }
}

}  // namespace e2e
