// End-to-end: a full disk (docs/reliability.md "A full disk"). Each test mounts a small
// tmpfs on its project (support/small_disk.h) and is skipped where that is not permitted.
#include <doctest/doctest.h>

#include <filesystem>

#include "support/agents.h"
#include "support/command.h"
#include "support/mail.h"
#include "support/project.h"
#include "support/small_disk.h"
#include "support/store.h"

using e2e::contains;
using e2e::TempProject;

namespace {

constexpr const char* kFullAdvice = "free space and retry";
constexpr const char* kSqliteFile =
    "about drover.db on a full disk; a PostgreSQL store is not on the project's disk";

// An agent with a finished turn and its report, and one more message: something to read.
void one_finished_turn(const TempProject& p) {
  e2e::init_for_manual_turns(p);
  e2e::sling_parked(p, {"alice", "#!say hi\n" + e2e::kReportToOperator});
  e2e::turn_ok(p, "alice");
  e2e::ok(p, {"mail", "send", "--to", "operator", "--subject", "later", "--body", "more"});
}

}  // namespace

TEST_CASE("disk full: status, mail list and log read a full disk with the supervisor down") {
  if (e2e::skip_on_postgresql(kSqliteFile)) return;
  TempProject p;
  e2e::SmallDisk disk(p);
  if (!disk.mounted()) return;
  one_finished_turn(p);
  disk.fill();

  e2e::Run st = p.drover({"status"});
  INFO("status: " << st.err);
  CHECK(st.code == 0);
  CHECK(contains(st.out, "1 completed"));
  e2e::Run js = p.drover({"status", "alice", "--json"});
  INFO("status alice: " << js.err);
  REQUIRE(js.code == 0);
  CHECK(js.json()["agent"]["state"] == "completed");
  e2e::Run mail = p.drover({"mail", "list", "--to", "operator"});
  INFO("mail list: " << mail.err);
  CHECK(mail.code == 0);
  CHECK(contains(mail.out, "later"));
  e2e::Run log = p.drover({"log", "alice"});
  INFO("log: " << log.err);
  CHECK(log.code == 0);
  CHECK_FALSE(log.out.empty());
}

TEST_CASE("disk full: a write fails with one line naming the disk, and writes nothing") {
  if (e2e::skip_on_postgresql(kSqliteFile)) return;
  TempProject p;
  e2e::SmallDisk disk(p);
  if (!disk.mounted()) return;
  one_finished_turn(p);
  disk.fill();

  e2e::Run sent =
      p.drover({"mail", "send", "--to", "operator", "--subject", "lost", "--body", "x"});
  e2e::expect_one_line_error(sent, 1, "the disk holding " + p.root().string());
  CHECK(contains(sent.err, kFullAdvice));
  e2e::Run slung = p.drover({"sling", "--no-start", "bob", "#!say hi"});
  e2e::expect_one_line_error(slung, 1, kFullAdvice);

  disk.release();
  for (const auto& m : e2e::mail_list(p, {"--to", "operator"})) CHECK(m["subject"] != "lost");
  CHECK(e2e::state_of(p, "bob").empty());
  e2e::ok(p, {"mail", "send", "--to", "operator", "--subject", "kept", "--body", "x"});
}

TEST_CASE("disk full: up reports why the supervisor could not start, as soon as it exits") {
  if (e2e::skip_on_postgresql(kSqliteFile)) return;
  TempProject p;
  e2e::SmallDisk disk(p);
  if (!disk.mounted()) return;
  e2e::init_for_manual_turns(p);
  disk.fill();

  e2e::Run up = p.drover({"up"});
  e2e::expect_one_line_error(up, 1, kFullAdvice);
  CHECK(contains(up.err, "the disk holding " + p.root().string()));

  disk.release();
  e2e::ok(p, {"up"});
}

TEST_CASE("disk full: down stops the supervisor even when its request cannot be written") {
  if (e2e::skip_on_postgresql(kSqliteFile)) return;
  TempProject p;
  e2e::SmallDisk disk(p);
  if (!disk.mounted()) return;
  e2e::init_for_manual_turns(p);
  e2e::ok(p, {"up"});
  disk.fill();

  e2e::Run down = p.drover({"down"});
  INFO("down: " << down.err);
  CHECK(down.code == 0);
  CHECK(contains(down.out, "supervisor stopped"));
  e2e::Run st = p.drover({"status", "--json"});
  INFO("status: " << st.err);
  REQUIRE(st.code == 0);
  CHECK(st.json()["supervisor"]["running"] == false);
}

TEST_CASE(
    "disk full: an agent whose output fills the disk again and again ends a zombie, not resumed "
    "forever") {
  if (e2e::skip_on_postgresql(kSqliteFile)) return;
  TempProject p;
  e2e::SmallDisk disk(p);
  if (!disk.mounted()) return;
  p.init_scripted(
      "supervisor.autostart = false\nsupervisor.poll_interval = \"100ms\"\n"
      "supervisor.retry_backoff = \"100ms\"\n");
  // Each turn writes more than the disk holds: its transcript fills it, so the turn's end
  // cannot be recorded and the supervisor recovers it as interrupted. The test plays the
  // operator who frees the space each time (it removes the transcripts).
  e2e::sling_parked(p, {"flo", "#!flood 8M"});
  e2e::ok(p, {"up"});
  auto logs = p.root() / ".drover/logs/flo";
  std::string reason;
  bool zombie = e2e::wait_until([&] {
    std::error_code ec;
    for (const auto& f : std::filesystem::directory_iterator(logs, ec))
      if (f.path().extension() == ".ndjson") std::filesystem::remove(f.path(), ec);
    e2e::Run r = p.drover({"status", "flo", "--json"});
    if (r.code != 0) return false;
    auto agent = r.json()["agent"];
    if (agent["state"] != "zombie") return false;
    reason = agent["state_reason"].get<std::string>();
    return true;
  });
  REQUIRE(zombie);
  CHECK(contains(reason, "failed 3 turns in a row"));
  CHECK(contains(reason, "times in a row (the runner died"));
  e2e::ok(p, {"down", "--now"});
  CHECK(e2e::worker_died_to(p, "operator").size() == 1);
}
