#include "support/agents.h"

#include <doctest/doctest.h>
#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <map>

#include "support/database.h"

namespace e2e {

namespace fs = std::filesystem;

void sling(const TempProject& p, std::vector<std::string> args) {
  args.insert(args.begin(), "sling");
  (void)ok(p, args);
}

void sling_parked(const TempProject& p, std::vector<std::string> args) {
  args.insert(args.begin(), "sling");
  args.push_back("--no-start");
  Run r = p.drover(args, agent_opts(p));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
}

void nudge_parked(const TempProject& p, const std::string& agent, const std::string& text) {
  Run r = p.drover({"nudge", agent, text, "--no-start"}, agent_opts(p));
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
}

Run turn(const TempProject& p, const std::string& agent, const std::vector<std::string>& extra) {
  std::vector<std::string> args{"turn", agent};
  args.insert(args.end(), extra.begin(), extra.end());
  return p.drover(args, agent_opts(p));
}

Run turn_ok(const TempProject& p, const std::string& agent) {
  Run r = turn(p, agent);
  INFO("stderr: " << r.err.substr(0, 4000));
  CHECK(r.code == 0);
  return r;
}

Json turn_json(const TempProject& p, const std::string& agent) {
  Run r = turn(p, agent, {"--json"});
  INFO("exit " << r.code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return r.json();
}

Json failed_turn(const TempProject& p, const std::string& agent) {
  Run r = turn(p, agent);
  INFO("exit " << r.code << "\nstdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == 1);
  return last_turn(p, agent);
}

std::string state_of(const TempProject& p, const std::string& agent) {
  return sql(p, "SELECT state FROM sessions WHERE name = '" + agent + "'");
}

bool wait_state(const TempProject& p, const std::string& agent, const std::string& state,
                std::chrono::milliseconds timeout) {
  return wait_until([&] { return state_of(p, agent) == state; }, timeout);
}

bool wait_idle_after(const TempProject& p, const std::string& agent, long long turns) {
  return wait_until([&] {
    return sql(p,
               "SELECT state || ' ' || turn_count || ' ' || coalesce(CAST(current_turn AS TEXT), "
               "'-') "
               "FROM sessions WHERE name = '" +
                   agent + "'") == "between_turns " + std::to_string(turns) + " -";
  });
}

long long turn_count(const TempProject& p, const std::string& agent) {
  return sql_int(p, "SELECT turn_count FROM sessions WHERE name = '" + agent + "'");
}

Json status(const TempProject& p, const std::string& agent) {
  Run r = p.drover({"status", agent, "--json"});
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  return r.json();
}

Json agent_row(const TempProject& p, const std::string& agent) { return status(p, agent)["agent"]; }

Json last_turn(const TempProject& p, const std::string& agent) {
  const Json turns = status(p, agent)["turns"];
  REQUIRE_FALSE(turns.empty());
  Json newest = turns[0];
  for (const auto& t : turns)
    if (t["id"].get<long long>() > newest["id"].get<long long>()) newest = t;
  return newest;
}

std::vector<Json> events(const TempProject& p, const std::string& agent, const std::string& kind) {
  Run r = p.drover({"log", agent, "--json"});
  INFO("stderr: " << r.err);
  REQUIRE(r.code == 0);
  const Json doc = r.json();
  std::vector<Json> out;
  for (const auto& e : doc["events"])
    if (kind.empty() || e["kind"] == kind) out.push_back(e);
  return out;
}

std::vector<Json> records(const TempProject& p, const std::string& agent) {
  std::map<long long, Json> by_turn;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(p.record_dir(), ec)) {
    std::string f = e.path().filename().string();
    std::string pre = agent + ".";
    if (f.rfind(pre, 0) != 0 || f.size() <= pre.size() + 5 || f.substr(f.size() - 5) != ".json")
      continue;
    std::string mid = f.substr(pre.size(), f.size() - pre.size() - 5);
    if (mid.empty() ||
        !std::all_of(mid.begin(), mid.end(), [](unsigned char c) { return std::isdigit(c); }))
      continue;
    auto j = Json::parse(read_text(e.path()), nullptr, false);
    if (!j.is_discarded()) by_turn[std::stoll(mid)] = j;
  }
  std::vector<Json> out;
  for (auto& [turn, j] : by_turn) out.push_back(j);
  return out;
}

bool wait_records(const TempProject& p, const std::string& agent, std::size_t n) {
  return wait_until([&] { return records(p, agent).size() >= n; }, kDeadline);
}

fs::path record_path(const TempProject& p, const std::string& agent, long long turn) {
  return p.record_dir() / (agent + "." + std::to_string(turn) + ".json");
}

Json record(const TempProject& p, const std::string& agent, long long turn) {
  auto path = record_path(p, agent, turn);
  INFO("record " << path);
  REQUIRE(fs::exists(path));
  auto doc = Json::parse(read_text(path), nullptr, false);
  REQUIRE_FALSE(doc.is_discarded());
  return doc;
}

bool argv_has(const Json& record, const std::string& arg) {
  for (const auto& a : record["argv"])
    if (a == arg) return true;
  return false;
}

std::string argv_after(const Json& record, const std::string& flag) {
  const auto& argv = record["argv"];
  for (std::size_t i = 0; i + 1 < argv.size(); ++i)
    if (argv[i] == flag) return argv[i + 1].get<std::string>();
  return "";
}

fs::path agent_dir(const TempProject& p, const std::string& agent) {
  return p.root() / ".drover/agents" / agent;
}

bool turn_pid_exists(const TempProject& p, const std::string& agent) {
  return fs::exists(agent_dir(p, agent) / "turn.pid");
}

HeldLock::HeldLock(const TempProject& p, const std::string& agent) {
  fs::create_directories(agent_dir(p, agent));
  fd_ = ::open((agent_dir(p, agent) / "turn.lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  REQUIRE(fd_ >= 0);
  REQUIRE(::flock(fd_, LOCK_EX | LOCK_NB) == 0);
}

HeldLock::~HeldLock() { ::close(fd_); }

bool lock_free(const TempProject& p, const std::string& agent) {
  auto path = agent_dir(p, agent) / "turn.lock";
  if (!fs::exists(path)) return true;
  int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
  REQUIRE(fd >= 0);
  bool free = ::flock(fd, LOCK_EX | LOCK_NB) == 0;
  ::close(fd);  // drops the probe's lock too
  return free;
}

}  // namespace e2e
