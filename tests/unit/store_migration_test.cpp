#include <SQLiteCpp/SQLiteCpp.h>
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>
#include <random>
#include <set>
#include <string>
#include <thread>

#include "store/schema.h"
#include "store_test_support.h"

using namespace drover;
using namespace drover::store;
using drover::test::TempDir;
namespace fs = std::filesystem;

namespace {

int user_version(const fs::path& db) {
  SQLite::Database raw(db.string(), SQLite::OPEN_READONLY);
  return raw.execAndGet("PRAGMA user_version").getInt();
}

std::set<std::string> columns_of(SQLite::Database& raw, const std::string& table) {
  std::set<std::string> out;
  SQLite::Statement q(raw, "SELECT name FROM pragma_table_info('" + table + "')");
  while (q.executeStep()) out.insert(q.getColumn(0).getString());
  return out;
}

bool has_index(SQLite::Database& raw, const std::string& index) {
  SQLite::Statement q(raw, "SELECT 1 FROM sqlite_master WHERE type = 'index' AND name = ?");
  q.bind(1, index);
  return q.executeStep();
}

void write_bytes(const fs::path& p, const std::string& bytes) {
  std::ofstream out(p, std::ios::binary);
  out << bytes;
  REQUIRE(out.good());
}

// A database exactly as a version-1 drover left it, with one session in it.
void create_v1_database(const fs::path& path) {
  SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  REQUIRE(migrations()[0].to_version == 1);
  raw.exec(std::string(migrations()[0].sql));
  raw.exec("PRAGMA user_version = 1");
  raw.exec(
      "INSERT INTO sessions (name, capability, runtime, model, task, parent, depth, state, "
      "state_reason, runtime_session_id, created_at, last_activity, turn_count, failed_turns) "
      "VALUES ('old-agent', 'scout', 'claude', 'opus', 'look around', 'lead', 1, 'between_turns', "
      "'waiting', 'sid-7', '2025-05-05T05:05:05.005Z', '2025-05-06T06:06:06.006Z', 4, 1)");
  raw.exec(
      "INSERT INTO messages (from_agent, to_agent, subject, body, type, priority, created_at) "
      "VALUES ('operator', 'old-agent', 'hi', 'body', 'status', 'normal', "
      "'2025-05-05T05:05:05.005Z')");
}

}  // namespace

TEST_CASE("schema: migrations are numbered 1, 2, ... and the last is current") {
  auto all = migrations();
  REQUIRE(all.size() >= 2);
  for (std::size_t i = 0; i < all.size(); ++i) {
    CHECK(all[i].to_version == static_cast<int>(i + 1));
    CHECK_FALSE(all[i].sql.empty());
  }
  CHECK(current_schema_version() == all.back().to_version);
  CHECK(current_schema_version() == 12);
}

TEST_CASE("store: a fresh file is created at the current schema version") {
  TempDir dir;
  auto path = dir.path / "drover.db";
  {
    auto db = test::open_store(path, OpenMode::create);
    CHECK(db->schema_version() == current_schema_version());
    CHECK(db->path() == path);
    auto check = db->integrity_check();
    REQUIRE(check.ok());
    CHECK(*check == "ok");
  }
  CHECK(user_version(path) == current_schema_version());
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
  for (const char* table : {"sessions", "turns", "messages", "events", "settings", "gates"}) {
    CAPTURE(table);
    CHECK_FALSE(columns_of(raw, table).empty());
  }
  auto sessions = columns_of(raw, "sessions");
  for (const char* col :
       {"name",           "capability",    "runtime",      "model",         "task",
        "task_id",        "parent",        "depth",        "state",         "state_reason",
        "worktree",       "branch",        "head_sha",     "dirty_summary", "runtime_session_id",
        "created_at",     "last_activity", "turn_count",   "failed_turns",  "current_turn",
        "stop_requested", "retry_after",   "merged_sha",   "merged_into",   "merged_head",
        "merged_at",      "paused_at",     "pause_reason", "pause_now",     "max_cost_usd",
        "max_turns",      "max_tokens"}) {
    CAPTURE(col);
    CHECK(sessions.count(col) == 1);
  }
  auto messages = columns_of(raw, "messages");
  for (const char* col :
       {"id", "from_agent", "to_agent", "subject", "body", "type", "priority", "thread_id",
        "reply_to", "payload", "created_at", "read_at", "claimed_turn", "live"}) {
    CAPTURE(col);
    CHECK(messages.count(col) == 1);
  }
  auto gates = columns_of(raw, "gates");
  for (const char* col :
       {"id", "asker", "to_agent", "question", "options", "step", "holds_turns", "asked_at",
        "decision", "note", "decided_by", "decided_at", "decision_mail"}) {
    CAPTURE(col);
    CHECK(gates.count(col) == 1);
  }
  auto events = columns_of(raw, "events");
  for (const char* col : {"id", "agent", "turn", "created_at", "kind", "level", "data"}) {
    CAPTURE(col);
    CHECK(events.count(col) == 1);
  }
  CHECK(has_index(raw, "messages_from"));
  CHECK(has_index(raw, "turns_started"));
  CHECK(has_index(raw, "messages_pending"));
  CHECK(has_index(raw, "sessions_in_turn"));
}

TEST_CASE("store: the journal mode is WAL") {
  TempDir dir;
  auto path = dir.path / "drover.db";
  auto db = test::open_store(path);
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
  CHECK(raw.execAndGet("PRAGMA journal_mode").getString() == "wal");
}

TEST_CASE("store: reopening keeps the data and the version") {
  TempDir dir;
  auto path = dir.path / "drover.db";
  {
    auto db = test::open_store(path, OpenMode::create);
    test::insert_session(*db, test::make_session("keeper"));
  }
  auto again = test::open_store(path, OpenMode::existing);
  CHECK(again->schema_version() == current_schema_version());
  auto s = test::get_session(*again, "keeper");
  REQUIRE(s.has_value());
  CHECK(s->task == "task of keeper");
  auto create_again = test::open_store(path, OpenMode::create);  // create on an existing file
  CHECK(test::get_session(*create_again, "keeper").has_value());
}

TEST_CASE("store: a version-1 database is migrated to the current version, keeping its rows") {
  TempDir dir;
  auto path = dir.path / "drover.db";
  create_v1_database(path);
  REQUIRE(user_version(path) == 1);

  auto db = test::open_store(path, OpenMode::existing);
  CHECK(db->schema_version() == current_schema_version());
  CHECK(user_version(path) == current_schema_version());
  auto s = test::get_session(*db, "old-agent");
  REQUIRE(s.has_value());
  CHECK(s->capability == "scout");
  CHECK(s->model == "opus");
  CHECK(s->task == "look around");
  CHECK(s->parent == "lead");
  CHECK(s->depth == 1);
  CHECK(s->state == SessionState::between_turns);
  CHECK(s->state_reason == "waiting");
  CHECK(s->runtime_session_id == "sid-7");
  CHECK(s->created_at == "2025-05-05T05:05:05.005Z");
  CHECK(s->last_activity == "2025-05-06T06:06:06.006Z");
  CHECK(s->turn_count == 4);
  CHECK(s->failed_turns == 1);
  CHECK_FALSE(s->stop_requested);
  CHECK_FALSE(s->retry_after.has_value());
  CHECK_FALSE(s->current_turn.has_value());
  auto unread = test::must_read(*db, [](Tx& tx) { return tx.mail().unread_count("old-agent"); });
  CHECK(unread == 1);

  // The migrated row takes part in v2 features.
  auto stopped =
      test::must_write(*db, [](Tx& tx) { return tx.sessions().request_stop("old-agent"); });
  CHECK(stopped);
  CHECK(test::get_session(*db, "old-agent")->stop_requested);
  SQLite::Database raw(path.string(), SQLite::OPEN_READONLY);
  CHECK(has_index(raw, "messages_from"));
  CHECK(has_index(raw, "messages_pending"));
}

TEST_CASE("store: migrate() from version 0 and twice in a row") {
  SQLite::Database mem(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  CHECK(mem.execAndGet("PRAGMA user_version").getInt() == 0);
  REQUIRE(migrate(mem).ok());
  CHECK(mem.execAndGet("PRAGMA user_version").getInt() == current_schema_version());
  REQUIRE(migrate(mem).ok());
  CHECK(mem.execAndGet("PRAGMA user_version").getInt() == current_schema_version());
  CHECK(columns_of(mem, "sessions").count("stop_requested") == 1);
}

TEST_CASE("store: an empty (zero-byte) file is initialised") {
  TempDir dir;
  auto path = dir.path / "drover.db";
  write_bytes(path, "");
  auto db = test::open_store(path, OpenMode::existing);
  CHECK(db->schema_version() == current_schema_version());
}

TEST_CASE("store: a database from a newer drover is refused and left alone") {
  TempDir dir;
  auto path = dir.path / "drover.db";
  {
    SQLite::Database raw(path.string(), SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
    raw.exec("CREATE TABLE future (x)");
    raw.exec("PRAGMA user_version = 99");
  }
  for (auto mode : {OpenMode::existing, OpenMode::create}) {
    auto r = Store::open(path, mode);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::failed);
    CHECK(r.error().message.find("newer") != std::string::npos);
    CHECK(r.error().message.find("99") != std::string::npos);
  }
  CHECK(user_version(path) == 99);

  SQLite::Database mem(":memory:", SQLite::OPEN_READWRITE | SQLite::OPEN_CREATE);
  mem.exec("PRAGMA user_version = " + std::to_string(current_schema_version() + 1));
  auto direct = migrate(mem);
  REQUIRE_FALSE(direct.ok());
  CHECK(direct.error().message.find("newer") != std::string::npos);
}

TEST_CASE("store: a file of garbage is an error, not a crash") {
  TempDir dir;
  std::mt19937 rng(7);
  std::string noise(8192, '\0');
  for (auto& c : noise) c = static_cast<char>(rng() & 0xff);
  for (const std::string& bytes :
       {noise, std::string("hello, I am not a database\n"),
        std::string("SQLite format 3\0", 16) + std::string(600, '\x01')}) {
    auto path = dir.path / "garbage.db";
    write_bytes(path, bytes);
    auto r = Store::open(path, OpenMode::existing);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::failed);
    CHECK(r.error().message.find(path.string()) != std::string::npos);
    fs::remove(path);
  }
}

TEST_CASE("store: OpenMode::existing on a missing file is a project error and creates nothing") {
  TempDir dir;
  auto path = dir.path / "drover.db";
  auto r = Store::open(path, OpenMode::existing);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::project);
  CHECK(r.error().message.find("drover init") != std::string::npos);
  CHECK(r.error().message.find(path.string()) != std::string::npos);
  CHECK_FALSE(fs::exists(path));
}

TEST_CASE("store: OpenMode::create in a missing directory fails cleanly") {
  TempDir dir;
  auto r = Store::open(dir.path / "missing" / "drover.db", OpenMode::create);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::failed);
}

TEST_CASE("store: two processes' worth of connections creating the same file at once") {
  for (int round = 0; round < 20; ++round) {
    TempDir dir;
    auto path = dir.path / "drover.db";
    std::optional<Error> errors[2];
    int versions[2] = {0, 0};
    auto opener = [&](int k) {
      auto r = Store::open(path, OpenMode::create);
      if (!r.ok()) {
        errors[k] = r.error();
        return;
      }
      versions[k] = (*r)->schema_version();
    };
    std::thread a(opener, 0), b(opener, 1);
    a.join();
    b.join();
    CAPTURE(round);
    for (int k = 0; k < 2; ++k) {
      if (errors[k]) FAIL_CHECK(errors[k]->message);
      CHECK(versions[k] == current_schema_version());
    }
  }
}
