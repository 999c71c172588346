// Steering invariants at rest: see held.h.
#include "held.h"

#include <doctest/doctest.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <set>

#include "support/command.h"
#include "support/database.h"

namespace torture {

namespace fs = std::filesystem;

void check_nothing_held(const e2e::TempProject& p) {
  const std::string live_states =
      "state NOT IN ('completed', 'zombie', 'stopped', 'failed', 'stale')";
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
  for (const auto& [id, turns] : carriers) {
    auto reader = e2e::sql(p,
                           "SELECT CASE WHEN read_at IS NULL THEN '' ELSE claimed_turn END "
                           "FROM messages WHERE id = " +
                               std::to_string(id));
    if (reader.empty()) continue;
    long long r = std::stoll(reader);
    std::string seen;
    for (auto t : turns) seen += " " + std::to_string(t);
    INFO("agent " << agent << ": message " << id << " read by turn " << r << ", carried by"
                  << seen);
    CHECK(turns.count(r) == 1);
    CHECK(*turns.rbegin() == r);
  }
}

}  // namespace torture
