// Hostile input (issue 8): pid files that lie, bodies that are huge or binary or SQL, a
// project directory drover may not write, agent names that try to be paths or terminal
// escapes, and databases that are locked, old or too new. Each case gets a clear answer,
// nothing is half-written and nobody's process is signalled by mistake. Hostile agents
// (floods, closed stdout, forks, file modes) are in hostile_runtime_test.cpp.
#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>
#include <signal.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>
#include <future>

#include "core/text.h"
#include "os/process.h"
#include "os/spawn.h"
#include "store/pg_dialect.h"
#include "store/schema.h"
#include "support/agents.h"
#include "support/command.h"
#include "support/database.h"
#include "support/project.h"

using e2e::TempProject;

namespace {

// An agent recorded as in a turn, with no runner and no supervisor.
void agent_in_turn(const TempProject& p, const std::string& agent) {
  e2e::ok(p, {"sling", agent, "#!say hi", "--no-start"});
  e2e::sql(p, "UPDATE sessions SET state = 'in_turn' WHERE name = '" + agent + "'");
  std::filesystem::create_directories(p.root() / ".drover/agents" / agent);
}

bool alive(pid_t pid) { return ::kill(pid, 0) == 0; }

}  // namespace

TEST_CASE(
    "hostile: a turn.pid naming a live unrelated process (same pid, other start time) is never "
    "signalled") {
  TempProject p;
  p.init_scripted();
  agent_in_turn(p, "alice");
  drover::os::SpawnRequest req;
  req.argv = {"sleep", "60"};
  auto bystander = drover::os::spawn(req);
  REQUIRE(bystander.ok());
  auto id = drover::os::read_identity(bystander->pid);
  REQUIRE(id.ok());
  id->start_ticks += 1;  // the pid was reused: this is not the process turn.pid meant
  const auto pid_file = p.root() / ".drover/agents/alice/turn.pid";
  e2e::write_text(pid_file, drover::os::format_pid_file(*id));

  auto status = e2e::ok(p, {"status", "alice", "--json"});
  CHECK(status.json()["agent"]["turn_process"]["alive"] == false);
  auto doctor = e2e::run(p, {"doctor", "--fix", "--json"});
  CHECK(alive(bystander->pid));
  e2e::write_text(pid_file, drover::os::format_pid_file(*id));
  auto stop = e2e::run(p, {"stop", "alice", "--json"});
  INFO("stop: " << stop.out << stop.err);
  CHECK(stop.code == 0);
  CHECK(stop.json()["signalled"] == false);
  CHECK(stop.json()["stale_turn_pid"] == true);
  CHECK(alive(bystander->pid));
  CHECK(e2e::state_of(p, "alice") == "stopped");

  ::kill(bystander->pid, SIGKILL);
  ::waitpid(bystander->pid, nullptr, 0);
  drover::os::close_child_fds(*bystander);
}

TEST_CASE("hostile: an empty, garbage or directory turn.pid is reported, and stop still works") {
  for (const char* kind : {"empty", "garbage", "directory"}) {
    CAPTURE(kind);
    TempProject p;
    p.init_scripted();
    agent_in_turn(p, "bob");
    const auto pid_file = p.root() / ".drover/agents/bob/turn.pid";
    if (std::string(kind) == "empty") e2e::write_text(pid_file, "");
    if (std::string(kind) == "garbage")
      e2e::write_text(pid_file, "\x01\xff not a pid file 99999999999999999999\n");
    if (std::string(kind) == "directory") std::filesystem::create_directory(pid_file);

    auto status = e2e::run(p, {"status", "--json"});
    CHECK(status.code == 0);
    auto doctor = e2e::run(p, {"doctor", "--json"});
    CHECK(doctor.json()["checks"].is_array());
    auto stop = e2e::run(p, {"stop", "bob"});
    INFO("stop: " << stop.out << stop.err);
    CHECK(stop.code == 0);
    CHECK(e2e::state_of(p, "bob") == "stopped");
  }
}

TEST_CASE("hostile: a 10 MiB body with NUL bytes and SQL metacharacters is stored byte for byte") {
  TempProject p;
  p.init_scripted();
  std::string body = "'); DROP TABLE messages; --\n";
  body += std::string("\0\0nul\0", 6);
  while (body.size() < 10u * 1024 * 1024) body += "0123456789abcdef";
  const auto file = p.root() / "body.bin";
  { std::ofstream(file, std::ios::binary) << body; }
  const std::vector<std::string> send = {
      "mail",        "send",        "--to",
      "operator",    "--subject",   "x'; DELETE FROM sessions; --",
      "--body-file", file.string(), "--json"};
  if (e2e::on_postgresql()) {
    // A PostgreSQL text cannot hold a NUL byte (docs/decisions.md): refused in one line,
    // nothing stored. The rest of the test runs with the NULs made '0'.
    auto refused = e2e::run(p, send);
    CHECK(refused.code == 1);
    CHECK(e2e::contains(refused.json()["error"]["message"].get<std::string>(), "NUL byte"));
    CHECK(e2e::sql_int(p, "SELECT count(*) FROM messages") == 0);
    std::replace(body.begin(), body.end(), '\0', '0');
    std::ofstream(file, std::ios::binary) << body;
  }
  auto sent = e2e::run(p, send);
  INFO(sent.err);
  REQUIRE(sent.code == 0);
  CHECK(e2e::sql_int(p, e2e::on_postgresql() ? "SELECT octet_length(body) FROM messages"
                                             : "SELECT length(CAST(body AS BLOB)) FROM messages") ==
        static_cast<long long>(body.size()));
  CHECK(e2e::sql(p, "SELECT subject FROM messages") == "x'; DELETE FROM sessions; --");
  CHECK(e2e::sql_int(p, e2e::on_postgresql()
                            ? "SELECT count(*) FROM pg_tables WHERE tablename = 'messages' AND "
                              "schemaname = current_schema()"
                            : "SELECT count(*) FROM sqlite_master WHERE name = 'messages'") == 1);
  auto read = e2e::run(
      p, {"mail", "read", std::to_string(sent.json()["ids"][0].get<long long>()), "--json"});
  REQUIRE(read.code == 0);
  CHECK(read.json()["body"].get<std::string>().size() == body.size());
}

TEST_CASE(
    "hostile: init in a directory drover may not write fails with one line and leaves nothing") {
  TempProject p;
  const auto ro = p.root() / "ro";
  std::filesystem::create_directory(ro);
  e2e::hand_to_unprivileged(p.root());  // as root, init runs as nobody
  ::chmod(ro.c_str(), 0555);
  e2e::RunOptions o;
  o.cwd = ro;
  auto r = e2e::command(e2e::as_unprivileged({e2e::drover_bin(), "init"}), o);
  ::chmod(ro.c_str(), 0755);
  INFO("stderr: " << r.err);
  CHECK(r.code == 1);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.find("ro") != std::string::npos);
  CHECK_FALSE(std::filesystem::exists(ro / ".drover"));
}

TEST_CASE(
    "hostile: init where a directory must be made but a file is fails with one line naming it") {
  TempProject p;
  const auto dir = p.root() / "blocked";
  std::filesystem::create_directories(dir / ".drover");
  e2e::write_text(dir / ".drover/agents", "not a directory");
  e2e::RunOptions o;
  o.cwd = dir;
  auto r = e2e::command({e2e::drover_bin(), "init"}, o);
  INFO("stderr: " << r.err);
  CHECK(r.code != 0);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(r.err.find("agents") != std::string::npos);
}

TEST_CASE(
    "hostile: agent names with '..', '/', blanks, control characters or 1,000 characters are "
    "refused by every command") {
  TempProject p;
  p.init_scripted("supervisor.autostart = false\n");
  const std::vector<std::string> names{"..",
                                       "../../etc/passwd",
                                       "a/b",
                                       "/tmp/x",
                                       "a b",
                                       " alice",
                                       "\x1b[31m",
                                       "red\x1b[31m",
                                       "a\nb",
                                       "\n",
                                       "tab\there",
                                       "del\x7f",
                                       std::string(1000, 'a')};
  for (const auto& name : names) {
    const std::string shown = drover::escape_control(name.substr(0, 40));
    CAPTURE(shown);
    for (const auto& args :
         {std::vector<std::string>{"sling", name, "#!say hi", "--no-start"},
          std::vector<std::string>{"mail", "send", "--to", name, "--subject", "s", "--body", "b"},
          std::vector<std::string>{"nudge", name}, std::vector<std::string>{"stop", name},
          std::vector<std::string>{"status", name}}) {
      CAPTURE(args[0]);
      auto r = e2e::run(p, args);
      e2e::expect_one_line_error(r, 2, "agent name");
      CHECK(e2e::contains(r.err, "1-63 characters of a-z, 0-9"));  // the rule itself
      CHECK_FALSE(e2e::has_esc(r.err));
    }
  }
  auto j = e2e::run(p, {"sling", "\x1b[31m", "task", "--no-start", "--json"});
  CHECK(j.code == 2);
  CHECK(j.json()["error"]["code"] == "usage");
  CHECK(e2e::contains(e2e::run(p, {"status", std::string(1000, 'a')}).err, "1000 characters long"));
  // Nothing was stored or created anywhere.
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM sessions") == 0);
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM messages") == 0);
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM turns") == 0);
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM events") == 0);
  for (const char* dir : {".drover/agents", ".drover/logs", ".drover/worktrees"}) {
    CAPTURE(dir);
    CHECK(std::filesystem::is_empty(p.root() / dir));
  }
  CHECK_FALSE(std::filesystem::exists(p.root() / "a"));
}

TEST_CASE(
    "hostile: a database another process keeps locked: one line naming it, nothing half-written, "
    "then it works") {
  if (e2e::on_postgresql()) {
    MESSAGE("skipped on PostgreSQL: about SQLite's file locks (locking_mode=EXCLUSIVE)");
    return;
  }
  TempProject p;
  p.init_scripted("supervisor.autostart = false\n");
  e2e::ok(p, {"mail", "send", "--to", "operator", "--subject", "before"});
  const auto db = e2e::db_path(p);
  const std::string half_written =
      "INSERT INTO messages (from_agent, to_agent, subject, body, type, priority, created_at) "
      "VALUES ('ghost', 'operator', 'half-written', '', 'status', 'normal', "
      "'2026-01-01T00:00:00.000Z')";
  {
    // An ordinary writer (a sqlite3 shell in a transaction): in WAL mode readers go on.
    SQLite::Database holder(db.string(), SQLite::OPEN_READWRITE);
    holder.exec("BEGIN EXCLUSIVE");
    holder.exec(half_written);
    auto status = e2e::run(p, {"status", "--json"});
    INFO(status.err);
    CHECK(status.code == 0);
    CHECK(status.json()["unread"]["operator"] == 1);
    holder.exec("ROLLBACK");
  }
  {
    // A writer in exclusive locking mode shuts readers out too, for longer than drover waits.
    SQLite::Database holder(db.string(), SQLite::OPEN_READWRITE);
    holder.exec("PRAGMA locking_mode = EXCLUSIVE");
    holder.exec("BEGIN EXCLUSIVE");
    holder.exec(half_written);
    auto in_background = [&](std::vector<std::string> args) {
      return std::async(std::launch::async, [&p, args] { return p.drover(args); });
    };
    auto send = in_background({"mail", "send", "--to", "operator", "--subject", "during"});
    auto send_json =
        in_background({"mail", "send", "--to", "operator", "--subject", "during", "--json"});
    auto status = in_background({"status"});
    for (auto* f : {&send, &status}) {
      auto r = f->get();
      e2e::expect_one_line_error(r, 1, "is locked by another process");
      CHECK(e2e::contains(r.err, db.string()));
      CHECK_FALSE(e2e::contains(r.err, "database is locked"));  // SQLite's words alone say nothing
    }
    auto j = send_json.get();
    CHECK(j.code == 1);
    CHECK(j.json()["error"]["code"] == "failed");
    CHECK(e2e::contains(j.json()["error"]["message"], "is locked by another process"));
    holder.exec("ROLLBACK");
  }
  // Released: nothing of the failed commands or of the holder's transaction is there, and
  // the same commands succeed.
  CHECK(e2e::sql(p, "SELECT group_concat(subject) FROM messages") == "before");
  e2e::ok(p, {"mail", "send", "--to", "operator", "--subject", "during"});
  CHECK(e2e::ok(p, {"status", "--json"}).json()["unread"]["operator"] == 2);
  CHECK(e2e::sql(p, "PRAGMA integrity_check") == "ok");
}

TEST_CASE(
    "hostile: a database from every older schema version is migrated on first use and keeps its "
    "data") {
  const int current = drover::store::current_schema_version();
  for (int version = 1; version < current; ++version) {
    CAPTURE(version);
    TempProject p;
    p.init_scripted("supervisor.autostart = false\n");
    const auto db = e2e::db_path(p);
    if (e2e::on_postgresql()) {
      // The schema exactly as a drover of that version left it.
      const std::string schema = e2e::sql(p, "SELECT current_schema()");
      std::string script = "DROP SCHEMA " + schema + " CASCADE; CREATE SCHEMA " + schema + ";\n";
      for (const auto& m : drover::store::migrations())
        if (m.to_version <= version) script += drover::store::pg_ddl(m.sql) + ";\n";
      e2e::sql(p, script +
                      "CREATE TABLE drover_schema (version INTEGER NOT NULL); "
                      "INSERT INTO drover_schema VALUES (" +
                      std::to_string(version) +
                      ");"
                      "INSERT INTO sessions (name, capability, runtime, task, state, created_at, "
                      "last_activity, turn_count) "
                      "VALUES ('veteran', 'builder', 'scripted', 'old work', 'between_turns', "
                      "'2025-05-05T05:05:05.005Z', '2025-05-06T06:06:06.006Z', 7);"
                      "INSERT INTO messages (from_agent, to_agent, subject, body, type, "
                      "priority, created_at) VALUES ('veteran', 'operator', 'old news', 'kept', "
                      "'result', 'high', '2025-05-06T06:06:06.006Z')");
    } else {
      for (const char* suffix : {"", "-wal", "-shm"}) std::filesystem::remove(db.string() + suffix);
      // The database exactly as a drover of that version left it.
      SQLite::Database raw(db.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
      for (const auto& m : drover::store::migrations())
        if (m.to_version <= version) raw.exec(std::string(m.sql));
      raw.exec("PRAGMA user_version = " + std::to_string(version));
      raw.exec(
          "INSERT INTO sessions (name, capability, runtime, task, state, created_at, "
          "last_activity, turn_count) "
          "VALUES ('veteran', 'builder', 'scripted', 'old work', 'between_turns', "
          "'2025-05-05T05:05:05.005Z', '2025-05-06T06:06:06.006Z', 7)");
      raw.exec(
          "INSERT INTO messages (from_agent, to_agent, subject, body, type, priority, created_at) "
          "VALUES ('veteran', 'operator', 'old news', 'kept', 'result', 'high', "
          "'2025-05-06T06:06:06.006Z')");
      ::chmod(db.c_str(), 0600);
    }

    auto status = e2e::ok(p, {"status", "--json"}).json();
    CHECK(e2e::sql_int(p, e2e::schema_version_query()) == current);
    REQUIRE(status["agents"].size() == 1);
    CHECK(status["agents"][0]["name"] == "veteran");
    CHECK(status["agents"][0]["state"] == "between_turns");
    CHECK(status["unread"]["operator"] == 1);
    e2e::ok(p, {"mail", "send", "--to", "veteran", "--subject", "new news"});
    CHECK(e2e::sql(p, "SELECT " + e2e::joined("m") +
                          " FROM (SELECT subject || '/' || body || '/' || priority AS m "
                          "FROM messages ORDER BY id) AS ordered") ==
          "old news/kept/high,new news//normal");
    CHECK(e2e::sql(p, "SELECT task || '/' || turn_count FROM sessions") == "old work/7");
    if (!e2e::on_postgresql()) CHECK(e2e::sql(p, "PRAGMA integrity_check") == "ok");
  }
}

TEST_CASE(
    "hostile: a database newer than this drover is refused with one line and left as it was") {
  TempProject p;
  p.init_scripted("supervisor.autostart = false\n");
  e2e::ok(p, {"mail", "send", "--to", "operator", "--subject", "kept"});
  const int newer = drover::store::current_schema_version() + 1;
  e2e::sql(p, e2e::on_postgresql() ? "UPDATE drover_schema SET version = " + std::to_string(newer)
                                   : "PRAGMA user_version = " + std::to_string(newer));
  const auto db = e2e::on_postgresql() ? std::filesystem::path(p.store()) : e2e::db_path(p);
  if (!e2e::on_postgresql())
    REQUIRE_FALSE(
        std::filesystem::exists(db.string() + "-wal"));  // the sqlite3 shell checkpointed it
  const std::string bytes = e2e::on_postgresql() ? "" : e2e::read_text(db);
  for (const auto& args :
       {std::vector<std::string>{"status"},
        std::vector<std::string>{"mail", "send", "--to", "operator", "--subject", "lost"},
        std::vector<std::string>{"mail", "list"}}) {
    CAPTURE(args[0]);
    auto r = e2e::run(p, args);
    e2e::expect_one_line_error(r, 1, "newer than this drover supports");
    CHECK(e2e::contains(r.err, db.string()));
    CHECK(e2e::contains(r.err, "schema version " + std::to_string(newer)));
    CHECK(e2e::contains(r.err, "upgrade drover"));
  }
  if (!e2e::on_postgresql()) CHECK(e2e::read_text(db) == bytes);
  CHECK(e2e::sql_int(p, e2e::schema_version_query()) == newer);
  CHECK(e2e::sql(p, "SELECT " + e2e::joined("subject") + " FROM messages") == "kept");
}
