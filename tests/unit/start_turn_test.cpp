// start_turn and the streaming phase with a fake spawner and a fake clock over a real
// database: how a turn is claimed, launched, cleaned up when launching fails, and settled.
#include <doctest/doctest.h>
#include <signal.h>
#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "core/pause.h"
#include "fake_spawner.h"
#include "os/files.h"
#include "runner/event_batch.h"
#include "runner/runner.h"
#include "runner/turn_lease.h"
#include "store/events.h"
#include "store/sessions.h"
#include "store/settings.h"
#include "store_test_support.h"

using namespace drover;
using namespace drover::test;
namespace fs = std::filesystem;
using StartKind = runner::StartResult::Kind;

namespace {

struct RunnerFixture {
  TempDir dir;
  ProjectPaths paths{dir.path};
  std::unique_ptr<store::Store> db;
  FakeMonotonicClock clock;
  FakeSpawner spawner;
  runner::RunnerContext ctx;
  boost::asio::io_context io;
  std::optional<runner::TurnReport> report;
  std::ostringstream log_text;  // what the runner logged, one message per line

  RunnerFixture() {
    fs::create_directories(paths.dir());
    db = open_store(paths.db());
    ctx.paths = paths;
    ctx.store = db.get();
    ctx.log = std::make_shared<spdlog::logger>(
        "test", std::make_shared<spdlog::sinks::ostream_sink_st>(log_text));
    ctx.log->set_pattern("%l %v");
    ctx.clock = &clock;
    ctx.spawner = &spawner;
    insert_session(*db, make_session("alice"));
    must_write(*db, [](store::Tx& tx) {
      return tx.mail().insert(
          letter_of("operator", "alice", "dispatch", "dispatch: fix it", "fix the login bug"));
    });
  }

  runner::StartResult start() {
    return runner::start_turn(io, ctx, {"alice", false, std::chrono::milliseconds(0)},
                              [this](const runner::TurnReport& r) { report = r; });
  }
  std::size_t pending() {
    return must_read(*db, [](store::Tx& tx) { return tx.mail().pending_for("alice").size(); });
  }
  std::optional<TurnRecord> turn(std::int64_t id) {
    return must_read(*db, [&](store::Tx& tx) { return tx.turns().get(id); });
  }
  bool lease_free() { return runner::TurnLease::take(paths, "alice").ok(); }
  std::string transcript(std::int64_t turn_id) {
    std::ifstream in(paths.agent_logs("alice") / (std::to_string(turn_id) + ".stdout.ndjson"),
                     std::ios::binary);
    return std::string(std::istreambuf_iterator<char>(in), {});
  }
  int event_count(const char* kind) {
    return must_read(*db, [&](store::Tx& tx) { return tx.events().count("alice", kind); });
  }
  // Runs one whole turn whose child prints `out` and exits 0.
  void run_turn_printing(const std::string& out) {
    auto r = start();
    REQUIRE(r.kind == runner::StartResult::Kind::started);
    spawner.write_stdout(out);
    spawner.exit({0, std::nullopt});
    io.run();
    REQUIRE(report);
  }
};

const char* kInit = R"({"type":"system","subtype":"init","session_id":"s-1"})"
                    "\n";
const char* kResult =
    R"({"type":"result","subtype":"success","is_error":false,"result":"done","session_id":"s-1","total_cost_usd":0.5})"
    "\n";

}  // namespace

TEST_CASE(
    "start_turn: an agent with a turn that never ended (its runner died) gets no second turn "
    "until recovery has settled it") {
  // docs/protocol.md, finding F1: under the lock, an open turn row is a dead runner's, and
  // its child may still be alive.
  RunnerFixture f;
  auto dead = must_write(*f.db, [](store::Tx& tx) {
    return tx.turns().create("alice", "2026-01-01T00:00:01.000Z", std::nullopt, 0);
  });
  auto r = f.start();
  CHECK(r.kind == StartKind::no_work);
  CHECK(r.message == "agent 'alice' has turn " + std::to_string(dead) +
                         " of a runner that died; it is "
                         "recovered first");
  CHECK(f.spawner.spawned.empty());
  CHECK(f.pending() == 1);  // the new mail waits for the next turn
  CHECK_FALSE(f.turn(dead)->ended_at);
  CHECK(f.lease_free());
}

TEST_CASE(
    "start_turn: a spawn failure releases the mail, records spawn_failed, leaves no lock or "
    "turn.pid") {
  RunnerFixture f;
  f.spawner.spawn_error =
      make_error(Errc::not_found, "cannot run 'claude': No such file or directory");
  auto r = f.start();
  CHECK(r.kind == StartKind::spawn_failed);
  CHECK(r.message == "cannot run 'claude': No such file or directory");
  auto t = f.turn(r.turn_id);
  REQUIRE(t);
  CHECK(t->outcome == TurnOutcome::spawn_failed);
  CHECK(f.pending() == 1);
  CHECK(get_session(*f.db, "alice")->state == SessionState::booting);
  CHECK_FALSE(fs::exists(f.paths.turn_pid("alice")));
  CHECK(f.lease_free());
}

TEST_CASE(
    "start_turn: a passing shortage at spawn defers the turn: mail pending, nothing counted, no "
    "lock") {
  RunnerFixture f;
  f.spawner.spawn_error =
      make_error(Errc::resource, "cannot run 'claude': Resource temporarily unavailable");
  auto r = f.start();
  CHECK(r.kind == StartKind::deferred);
  CHECK(r.message == "cannot run 'claude': Resource temporarily unavailable");
  CHECK(f.turn(r.turn_id)->outcome == TurnOutcome::deferred);
  CHECK(f.pending() == 1);
  auto s = get_session(*f.db, "alice");
  CHECK(s->state == SessionState::booting);
  CHECK(s->failed_turns == 0);
  CHECK_FALSE(fs::exists(f.paths.turn_pid("alice")));
  CHECK(f.lease_free());
  CHECK(f.log_text.str().find("spawn failed") == std::string::npos);  // the supervisor logs it
}

TEST_CASE(
    "start_turn: a turn.pid that cannot be published kills the child once and releases the mail") {
  RunnerFixture f;
  f.spawner.identity_fails = true;
  auto r = f.start();
  CHECK(r.kind == StartKind::failed);
  CHECK(r.message.find("failed to write turn.pid") != std::string::npos);
  CHECK(f.spawner.kills == 1);
  CHECK(f.turn(r.turn_id)->outcome == TurnOutcome::failed);
  CHECK(f.pending() == 1);
  CHECK(get_session(*f.db, "alice")->state == SessionState::booting);
  CHECK(f.lease_free());
}

TEST_CASE("start_turn: no pending mail is no work, and nothing is spawned") {
  RunnerFixture f;
  must_write(*f.db, [](store::Tx& tx) { return tx.mail().claim_pending("alice", 99); });
  auto r = f.start();
  CHECK(r.kind == StartKind::no_work);
  CHECK(f.spawner.spawned.empty());
}

TEST_CASE("start_turn: a turn runs through its phases to a settle, on the fake child") {
  RunnerFixture f;
  auto r = f.start();
  REQUIRE(r.kind == StartKind::started);
  CHECK(r.pid == FakeSpawner::kPid);
  CHECK(get_session(*f.db, "alice")->state == SessionState::in_turn);
  auto published = runner::read_turn_pid(f.paths, "alice");
  REQUIRE(published.identity);
  CHECK(published.identity->pid == FakeSpawner::kPid);
  CHECK_FALSE(f.lease_free());  // the runner holds it for the whole turn
  REQUIRE(f.spawner.spawned.size() == 1);
  CHECK(f.spawner.spawned[0].env_extra.at("DROVER_AGENT") == "alice");

  f.spawner.write_stdout(kInit);
  f.spawner.write_stdout(kResult);
  f.clock.t += std::chrono::milliseconds(1500);
  f.spawner.exit({0, std::nullopt});
  f.io.run();  // returns once the turn has settled: no timer is left waiting

  REQUIRE(f.report);
  CHECK(f.report->settled);
  // A clean result without the builder's terminal mail, and no parent or children.
  CHECK(f.report->outcome == TurnOutcome::violation);
  CHECK(f.report->state == SessionState::completed);
  CHECK(f.spawner.signals.empty());
  auto input = f.spawner.read_stdin();
  CAPTURE(input);
  CHECK(input.find("## Your task\\n\\ntask of alice") !=
        std::string::npos);  // the first-turn prompt
  auto t = f.turn(f.report->turn_id);
  REQUIRE(t);
  CHECK(t->duration_ms == 1500);  // measured on the fake clock
  CHECK(t->cost_usd == doctest::Approx(0.5));
  CHECK(t->session_id == "s-1");
  CHECK_FALSE(fs::exists(f.paths.turn_pid("alice")));
  CHECK(f.lease_free());
}

TEST_CASE(
    "start_turn: interrupt runs the stop policy through the spawner and settles interrupted") {
  RunnerFixture f;
  auto r = f.start();
  REQUIRE(r.kind == StartKind::started);
  f.spawner.on_signal = [&](int sig) {
    if (sig == SIGTERM) f.spawner.exit({std::nullopt, SIGTERM});
  };
  f.spawner.write_stdout(kInit);
  f.io.poll();  // the init event is read
  r.handle->interrupt("supervisor shutdown");
  f.io.run();
  REQUIRE(f.report);
  CHECK(f.spawner.signals == std::vector<int>{SIGTERM});
  CHECK(f.report->outcome == TurnOutcome::interrupted);
  CHECK(f.report->state == SessionState::between_turns);
  CHECK(f.report->signal == SIGTERM);
  CHECK(f.pending() == 1);  // the mail goes back for the resumed turn
  CHECK(f.lease_free());
}

TEST_CASE(
    "start_turn: with the loop's event batch, every event of a turn lands before its settle") {
  RunnerFixture f;
  // A batch that would wait an hour: only the settle's flush can write the turn's events.
  runner::EventBatch batch(f.io, *f.db, f.ctx.log, Millis(3'600'000));
  f.ctx.batch = &batch;
  auto r = f.start();
  REQUIRE(r.kind == StartKind::started);
  const char* text = R"({"type":"assistant","message":{"content":[{"type":"text","text":"hi"}]}})"
                     "\n";
  f.spawner.write_stdout(text);
  f.io.poll();  // read and batched, not yet written
  CHECK(batch.pending_events() == 1);
  CHECK(f.event_count("assistant_text") == 0);
  f.spawner.write_stdout(kResult);
  f.spawner.exit({0, std::nullopt});
  f.io.run_for(std::chrono::seconds(10));
  REQUIRE(f.report);
  CHECK(f.report->settled);
  auto events = must_read(
      *f.db, [](store::Tx& tx) { return tx.events().for_agent("alice", std::nullopt, 0, 0); });
  std::vector<std::string> kinds;
  for (const auto& e : events) kinds.push_back(e.kind);
  CAPTURE(kinds);
  auto at = [&](const char* kind) {
    return std::find(kinds.begin(), kinds.end(), kind) - kinds.begin();
  };
  REQUIRE(at("assistant_text") < static_cast<long>(kinds.size()));
  REQUIRE(at("turn_end") < static_cast<long>(kinds.size()));
  CHECK(at("turn_start") < at("assistant_text"));
  CHECK(at("assistant_text") < at("result"));
  CHECK(at("result") < at("turn_end"));
  CHECK(batch.pending_events() == 0);
  f.ctx.batch = nullptr;
}

TEST_CASE("start_turn: the transcript is the agent's bytes exactly, with no newline added") {
  // SPEC §5.2: an agent whose last line has no '\n' gets none added in its transcript.
  std::string result = R"({"type":"result","subtype":"success","is_error":false,"result":"done"})";
  RunnerFixture f;
  f.run_turn_printing(std::string(kInit) + "\n" + result);  // a blank line is kept as well
  CHECK(f.transcript(f.report->turn_id) == std::string(kInit) + "\n" + result);
  CHECK(f.event_count("result") == 1);  // the unterminated last line is still processed

  RunnerFixture g;  // a terminated last line stays terminated
  g.run_turn_printing(std::string(kInit) + result + "\n");
  CHECK(g.transcript(g.report->turn_id) == std::string(kInit) + result + "\n");
}

TEST_CASE("start_turn: a malformed session id is refused: not stored, not resumed, recorded") {
  std::string long_id(257, 'a');
  for (std::string id_json : {long_id, std::string(R"(s-1\u0000\n2026 info forged)")}) {
    CAPTURE(id_json);
    RunnerFixture f;
    f.run_turn_printing(R"({"type":"system","subtype":"init","session_id":")" + id_json + "\"}\n" +
                        kResult);
    CHECK(f.event_count("malformed_session_id") == 1);
    CHECK(f.event_count("session_start") == 1);  // the line itself is still an event
    CHECK_FALSE(get_session(*f.db, "alice")->runtime_session_id);
    CHECK_FALSE(f.turn(f.report->turn_id)->session_id);
  }
  RunnerFixture ok;  // 256 printable bytes are a session id
  std::string longest(256, 'b');
  ok.run_turn_printing(R"({"type":"system","subtype":"init","session_id":")" + longest + "\"}\n" +
                       kResult);
  CHECK(ok.event_count("malformed_session_id") == 0);
  CHECK(get_session(*ok.db, "alice")->runtime_session_id == longest);
}

TEST_CASE("start_turn: agent text in log lines has its control characters escaped") {
  // An agent must not be able to forge supervisor.log lines or drive a terminal.
  RunnerFixture f;
  f.run_turn_printing(
      std::string(kInit) +
      R"({"type":"result","subtype":"success","is_error":true,"result":"bad\u001b[31m\ninfo forged"})" +
      "\n");
  auto log = f.log_text.str();
  CAPTURE(log);
  // The reason is the result's first line, escaped; the rest is cut ("…").
  CHECK(log.find("(bad\\x1b[31m…)") != std::string::npos);
  CHECK(log.find("\ninfo forged") == std::string::npos);
  CHECK(log.find('\x1b') == std::string::npos);
}

TEST_CASE("start_turn: a malformed session id stored earlier is not resumed") {
  RunnerFixture f;
  must_write(*f.db, [](store::Tx& tx) {
    tx.sessions().set_runtime_session_id("alice", std::string(300, 'z'));
    return Unit{};
  });
  auto r = f.start();
  REQUIRE(r.kind == StartKind::started);
  REQUIRE(f.spawner.spawned.size() == 1);
  const auto& argv = f.spawner.spawned[0].argv;
  CAPTURE(argv.size());
  CHECK(std::find(argv.begin(), argv.end(), "--resume") == argv.end());
  f.spawner.exit({0, std::nullopt});
  f.io.run();
  CHECK(f.spawner.read_stdin().find("## Your task") != std::string::npos);  // a fresh prompt
}

TEST_CASE("start_turn: a paused agent starts no turn, its mail waits, unpaused it starts") {
  RunnerFixture f;
  must_write(*f.db, [](store::Tx& tx) {
    return tx.sessions().set_pause("alice", "2026-12-04T21:00:00.000Z", "hold on");
  });
  auto r = f.start();
  CHECK(r.kind == StartKind::paused);
  CHECK(r.message.find("agent 'alice' is paused (hold on)") == 0);
  CHECK(r.turn_id == 0);
  CHECK(f.pending() == 1);
  CHECK(f.spawner.spawned.empty());
  must_write(*f.db,
             [](store::Tx& tx) { return tx.sessions().clear_pause(std::string_view("alice")); });
  f.run_turn_printing(std::string(kInit) + kResult);  // the positive control
  CHECK(f.report->settled);
  CHECK(f.spawner.spawned.size() == 1);
  CHECK(f.pending() == 0);
}

TEST_CASE("start_turn: under the E-stop no agent starts, paused or not") {
  RunnerFixture f;
  must_write(*f.db, [](store::Tx& tx) {
    return tx.settings().set_if_absent(kEstopKey, "2026-12-04T21:00:00.000Z");
  });
  auto r = f.start();
  CHECK(r.kind == StartKind::paused);
  CHECK(r.message.find("E-stop") != std::string::npos);
  CHECK(f.pending() == 1);
  CHECK(f.spawner.spawned.empty());
  must_write(*f.db, [](store::Tx& tx) { return tx.settings().clear(kEstopKey); });
  f.run_turn_printing(std::string(kInit) + kResult);
  CHECK(f.report->settled);
  CHECK(f.spawner.spawned.size() == 1);
  CHECK(f.pending() == 0);
}

TEST_CASE(
    "start_turn: a held transcript is written once held long enough, at 4 KiB, and at the "
    "turn's end, byte for byte") {
  RunnerFixture f;
  f.ctx.transcript_hold = Millis(5000);  // what the supervisor sets with many turns running
  auto r = f.start();
  REQUIRE(r.kind == StartKind::started);
  const std::int64_t turn = r.turn_id;
  f.spawner.write_stdout(kInit);
  f.io.poll();
  CHECK(f.transcript(turn).empty());           // read, parsed, held
  CHECK(f.event_count("session_start") == 1);  // its event is not held
  r.handle->write_held_output();
  CHECK(f.transcript(turn).empty());  // not held long enough yet
  f.clock.t += std::chrono::milliseconds(5000);
  r.handle->write_held_output();  // the supervisor's tick: a turn that went quiet
  CHECK(f.transcript(turn) == kInit);

  std::string text = R"({"type":"assistant","message":{"content":[{"type":"text","text":"hi"}]}})"
                     "\n";
  f.spawner.write_stdout(text);
  f.io.poll();
  CHECK(f.transcript(turn) == kInit);
  std::string big = R"({"type":"assistant","message":{"content":[{"type":"text","text":")" +
                    std::string(5000, 'x') + "\"}]}}\n";
  f.spawner.write_stdout(big);
  f.io.poll();  // 4 KiB held or more: written at once
  CHECK(f.transcript(turn) == kInit + text + big);

  f.spawner.write_stdout(text);
  f.spawner.write_stdout(kResult);
  f.spawner.exit({0, std::nullopt});
  f.io.run();
  REQUIRE(f.report);
  CHECK(f.transcript(turn) == kInit + text + big + text + kResult);
}

TEST_CASE(
    "start_turn: while events flow, last_activity is refreshed at most every activity_every") {
  RunnerFixture f;
  f.ctx.activity_every = Millis(10000);  // what the supervisor sets with many turns running
  auto r = f.start();
  REQUIRE(r.kind == StartKind::started);
  const std::string marker = "2000-01-01T00:00:00.000Z";
  auto activity = [&] { return get_session(*f.db, "alice")->last_activity; };
  auto mark = [&] {
    must_write(*f.db, [&](store::Tx& tx) {
      tx.sessions().set_activity("alice", marker);
      return Unit{};
    });
  };
  const std::string text =
      R"({"type":"assistant","message":{"content":[{"type":"text","text":"hi"}]}})"
      "\n";
  f.spawner.write_stdout(kInit);
  f.io.poll();
  CHECK(activity() != marker);  // the first event refreshes it
  mark();
  f.clock.t += std::chrono::milliseconds(3000);  // past the 2 s of a lone turn
  f.spawner.write_stdout(text);
  f.io.poll();
  CHECK(f.event_count("assistant_text") == 1);
  CHECK(activity() == marker);  // not yet: 3 s < 10 s
  f.clock.t += std::chrono::milliseconds(7000);
  f.spawner.write_stdout(text);
  f.io.poll();
  CHECK(f.event_count("assistant_text") == 2);
  CHECK(activity() != marker);  // 10 s since the last refresh

  f.spawner.write_stdout(kResult);
  f.spawner.exit({0, std::nullopt});
  f.io.run();
  REQUIRE(f.report);
}

TEST_CASE(
    "start_turn: a child not leading its own process group (it died before it could) is "
    "stopped through the group the spawn made, never the one /proc shows") {
  RunnerFixture f;
  // What /proc shows for a child killed between its clone and its setsid: our own group.
  f.spawner.identity_pgid = ::getpgrp();
  auto r = f.start();
  REQUIRE(r.kind == StartKind::started);
  // turn.pid names the turn's own group, for `stop` and recovery too.
  auto pid_file = drover::os::read_file(f.paths.turn_pid("alice"));
  REQUIRE(pid_file.ok());
  const std::string own = std::to_string(FakeSpawner::kPid);
  CHECK(pid_file.value().rfind(own + " " + own + " ", 0) == 0);
  f.spawner.on_signal = [&](int sig) {
    if (sig == SIGTERM) f.spawner.exit({std::nullopt, SIGTERM});
  };
  r.handle->interrupt("its stop or pause --now was asked for");
  f.io.run();
  REQUIRE(f.report);
  CHECK(f.spawner.signals == std::vector<int>{SIGTERM});  // to the turn's group
}
