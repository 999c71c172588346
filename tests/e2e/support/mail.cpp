#include "support/mail.h"

#include <doctest/doctest.h>

#include <map>

#include "support/agents.h"
#include "support/database.h"

namespace e2e {

std::vector<std::int64_t> send(const TempProject& p, std::vector<std::string> args,
                               const RunOptions& o) {
  args.insert(args.begin(), {"mail", "send", "--json"});
  Run r = p.drover(args, o);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return r.json()["ids"].get<std::vector<std::int64_t>>();
}

std::vector<Json> mail_list(const TempProject& p, std::vector<std::string> filters) {
  filters.insert(filters.begin(), {"mail", "list", "--json", "--limit", "0"});
  Run r = p.drover(filters);
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  return r.json()["messages"].get<std::vector<Json>>();
}

std::size_t mail_count(const TempProject& p) { return mail_list(p).size(); }

std::vector<Json> worker_died_to(const TempProject& p, const std::string& parent) {
  return mail_list(p, {"--to", parent, "--type", "worker_died"});
}

std::string dispatch_id(const TempProject& p, const std::string& agent) {
  return sql(p, "SELECT id FROM messages WHERE to_agent='" + agent + "' AND type='dispatch'");
}

std::string released_flags(const TempProject& p, const std::string& id) {
  return sql(p,
             "SELECT CASE WHEN read_at IS NULL THEN 1 ELSE 0 END, "
             "CASE WHEN claimed_turn IS NULL THEN 1 ELSE 0 END FROM messages WHERE id=" +
                 id);
}

void check_mail_invariants(const TempProject& p, const std::string& agent) {
  std::string a = "'" + agent + "'";
  CHECK(sql_int(p, "SELECT count(*) FROM turns WHERE agent = " + a + " AND ended_at IS NULL") <= 1);
  CHECK(sql_int(p,
                "SELECT count(*) FROM turns x JOIN turns y ON x.agent = y.agent AND x.id < y.id "
                "WHERE x.agent = " +
                    a + " AND (x.ended_at IS NULL OR x.ended_at > y.started_at)") == 0);
  CHECK(sql_int(p, "SELECT count(*) FROM messages WHERE to_agent = " + a +
                       " AND read_at IS NULL AND "
                       "claimed_turn IS NOT NULL AND claimed_turn NOT IN "
                       "(SELECT id FROM turns WHERE agent = " +
                       a + " AND ended_at IS NULL)") == 0);
  {
    const std::string bad_reads =
        " FROM messages m LEFT JOIN turns t ON t.id = m.claimed_turn WHERE m.to_agent = " + a +
        " AND m.read_at IS NOT NULL AND (t.id IS NULL OR (t.outcome NOT IN "
        "('completed', 'waiting', 'contract_violation') AND NOT (t.outcome = 'stopped' AND "
        "t.exit_code = 0 AND t.signal IS NULL AND EXISTS (SELECT 1 FROM events e WHERE "
        "e.turn = t.id AND e.kind = 'result' AND " +
        json_field("e.data", "is_error") + " = '0'))))";
    INFO(
        "read without a clean turn (message|type|claimed turn|outcome|exit|signal|detail): " << sql(
            p, "SELECT m.id, m.type, m.claimed_turn, t.outcome, t.exit_code, t.signal, t.detail" +
                   bad_reads));
    CHECK(sql_int(p, "SELECT count(*)" + bad_reads) == 0);
  }
  // Each message id appears in the text of turns that are pairwise disjoint in time: with
  // no overlapping turns that holds; here check that no read message was also carried by a
  // later turn (it would have been delivered twice after it was consumed).
  auto recs = records(p, agent);
  std::map<long long, long long> last_turn_carrying;
  for (const auto& r : recs) {
    std::string text = r.value("text", "");
    long long turn = std::stoll(r["env"].value("DROVER_TURN", "0"));
    for (std::size_t pos = text.find("[MAIL #"); pos != std::string::npos;
         pos = text.find("[MAIL #", pos + 1))
      last_turn_carrying[std::stoll(text.substr(pos + 7))] = turn;
  }
  for (const auto& [id, turn] : last_turn_carrying) {
    auto reader =
        sql(p,
            "SELECT CASE WHEN read_at IS NULL THEN '' ELSE CAST(claimed_turn AS TEXT) END FROM "
            "messages WHERE id = " +
                std::to_string(id));
    INFO("message " << id << " last carried by turn " << turn);
    if (!reader.empty()) CHECK(std::stoll(reader) == turn);
  }
}

}  // namespace e2e
