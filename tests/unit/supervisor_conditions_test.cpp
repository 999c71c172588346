// supervisor/conditions.h and supervisor/config_watch.h: what a running supervisor reports
// to `status`, and how it follows config.toml.
#include <doctest/doctest.h>

#include <filesystem>
#include <fstream>

#include <spdlog/sinks/ostream_sink.h>
#include <spdlog/spdlog.h>

#include <sstream>

#include "supervisor/conditions.h"
#include "supervisor/config_watch.h"
#include "temp_dir.h"

using namespace drover;
using namespace drover::supervisor;

TEST_CASE("supervisor conditions: round trip, another supervisor's file or garbage is none") {
  Conditions c;
  c.supervisor = 4242;
  c.config_generation = 3;
  c.config_loaded_at = "2026-12-04T10:00:00.000Z";
  c.spawns =
      SpawnShortage{"2026-12-04T10:00:01.000Z", "cannot run 'a': Too many open files", 2, 8, 5,
                    "2026-12-04T10:00:03.000Z"};
  c.config_error = ConfigError{"2026-12-04T10:00:02.000Z", "config.toml:3:1: bad"};
  auto back = parse_conditions(format_conditions(c));
  REQUIRE(back);
  CHECK(back->supervisor == 4242);
  CHECK(back->config_generation == 3);
  CHECK(back->config_loaded_at == c.config_loaded_at);
  REQUIRE(back->spawns);
  CHECK(back->spawns->cause == c.spawns->cause);
  CHECK(back->spawns->limit == 2);
  CHECK(back->spawns->max == 8);
  CHECK(back->spawns->deferred == 5);
  CHECK(back->spawns->retry_at == c.spawns->retry_at);
  REQUIRE(back->config_error);
  CHECK(back->config_error->message == "config.toml:3:1: bad");

  Conditions clear;
  clear.supervisor = 7;
  auto none = parse_conditions(format_conditions(clear));
  REQUIRE(none);
  CHECK_FALSE(none->spawns);
  CHECK_FALSE(none->config_error);
  for (const char* bad : {"", "{", "[]", "{\"supervisor\":\"x\"}", "null"})
    CHECK_FALSE(parse_conditions(bad));
}

TEST_CASE("supervisor conditions: the state file is read only for the supervisor it names") {
  drover::test::TempDir dir;
  ProjectPaths paths{dir.path};
  std::filesystem::create_directories(paths.dir());
  Conditions c;
  c.supervisor = 99;
  REQUIRE(write_conditions(paths, c).ok());
  CHECK(read_conditions(paths, 99));
  CHECK_FALSE(read_conditions(paths, 100));
  clear_conditions(paths);
  CHECK_FALSE(read_conditions(paths, 99));
}

TEST_CASE("spawn backoff as status shows it: nothing outside an episode, the wait as a time") {
  SpawnBackoff b(8);
  SteadyPoint t0{};
  CHECK_FALSE(shortage_of(b, "", 8, t0));
  b.on_shortage(t0, 2, "EMFILE");
  auto s = shortage_of(b, "2026-12-04T10:00:00.000Z", 8, t0);
  REQUIRE(s);
  CHECK(s->limit == 2);
  CHECK(s->max == 8);
  CHECK(s->deferred == 1);
  CHECK(s->cause == "EMFILE");
  CHECK(s->retry_at.has_value());
}

namespace {
void put_config(const std::filesystem::path& f, const std::string& text) {
  std::ofstream(f, std::ios::trunc) << text;
}
}  // namespace

TEST_CASE("config watch: parses when the text changes and settled, or when forced") {
  drover::test::TempDir dir;
  auto file = dir.path / "config.toml";
  ConfigWatch w(file);
  drover::SteadyPoint t{};
  auto later = [&t](int ms) { return t += std::chrono::milliseconds(ms); };
  auto missing = w.check(false, t);  // no file: every default
  REQUIRE(missing);
  REQUIRE(missing->ok());
  CHECK(missing->value().supervisor.max_concurrent_turns == 8);
  CHECK_FALSE(w.check(false, later(10)));  // nothing new

  put_config(file, "[supervisor]\nmax_concurrent_turns = 3\n");
  auto changed = w.check(false, later(10));  // a good change applies at once
  REQUIRE(changed);
  REQUIRE(changed->ok());
  CHECK(changed->value().supervisor.max_concurrent_turns == 3);
  CHECK_FALSE(w.check(false, later(1000)));
  auto forced = w.check(true, later(1));  // SIGHUP, drover reload
  REQUIRE(forced);
  CHECK(forced->ok());

  put_config(file, "[supervisor]\nmax_turns = 3\n");
  CHECK_FALSE(w.check(false, later(1)));    // an error, seen once: maybe half written
  CHECK_FALSE(w.check(false, later(100)));  // still there, but not for long enough
  auto bad = w.check(false, later(200));
  REQUIRE(bad);
  REQUIRE_FALSE(bad->ok());
  CHECK(bad->error().code == Errc::project);
  CHECK(bad->error().message.find("max_turns") != std::string::npos);
  CHECK_FALSE(w.check(false, later(300)));  // the same bad text is not reported again
}

TEST_CASE("config watch: a file caught half written is not applied") {
  drover::test::TempDir dir;
  auto file = dir.path / "config.toml";
  put_config(file, "[supervisor]\nmax_concurrent_turns = 3\n");
  ConfigWatch w(file);
  drover::SteadyPoint t{};
  auto later = [&t](int ms) { return t += std::chrono::milliseconds(ms); };
  REQUIRE(w.check(false, t));
  // Truncated by an editor that rewrites in place: empty, then a part, then all of it.
  put_config(file, "");
  CHECK_FALSE(w.check(false, later(10)));
  CHECK_FALSE(w.check(false, later(1000)));  // empty is never taken for "every default"
  put_config(file, "[supervisor]\nmax_concurrent_t");
  CHECK_FALSE(w.check(false, later(10)));
  CHECK_FALSE(w.check(false, later(200)));  // cut mid-key: an error that has not settled
  put_config(file, "[supervisor]\nmax_concurrent_turns = 4\n");
  auto done = w.check(false, later(10));  // whole again, and good
  REQUIRE(done);
  REQUIRE(done->ok());
  CHECK(done->value().supervisor.max_concurrent_turns == 4);
  // Asked for, an empty file is what the user says it is: every default.
  put_config(file, "");
  auto forced = w.check(true, later(1));
  REQUIRE(forced);
  CHECK(forced->ok());
}

TEST_CASE(
    "follow config: a bad file is logged once and kept in the conditions, a good one after it "
    "applies and clears them") {
  drover::test::TempDir dir;
  auto file = dir.path / "config.toml";
  put_config(file, "[supervisor]\nmax_concurrent_turns = 3\n");
  ConfigWatch w(file);
  Conditions c;
  std::ostringstream logged;
  auto sink = std::make_shared<spdlog::sinks::ostream_sink_st>(logged);
  spdlog::logger log("test", sink);
  drover::SteadyPoint t{};
  auto later = [&t](int ms) { return t += std::chrono::milliseconds(ms); };
  auto first = follow_config(w, c, log, false, nullptr, t);
  REQUIRE(first.config);
  CHECK(first.changed);
  CHECK(first.config->supervisor.max_concurrent_turns == 3);
  CHECK(logged.str().empty());  // the first load is not a reload
  CHECK(c.config_generation == 1);

  put_config(file, "[supervisor]\nmax_turns = 3\n");
  CHECK_FALSE(follow_config(w, c, log, false, nullptr, later(1)).changed);  // not settled yet
  auto bad = follow_config(w, c, log, false, nullptr, later(300));
  CHECK_FALSE(bad.config);
  CHECK(bad.changed);
  REQUIRE(c.config_error);
  CHECK(c.config_error->message.find("max_turns") != std::string::npos);
  CHECK(logged.str().find("keeping the last good config") != std::string::npos);

  put_config(file, "[supervisor]\nmax_concurrent_turns = 5\n");
  auto good = follow_config(w, c, log, true, "drover reload", later(1));
  REQUIRE(good.config);
  CHECK(good.config->supervisor.max_concurrent_turns == 5);
  CHECK_FALSE(c.config_error);
  CHECK(logged.str().find("is valid again") != std::string::npos);
  CHECK(logged.str().find("config reloaded (drover reload): max_concurrent_turns 5") !=
        std::string::npos);
  CHECK(c.config_generation == 3);
}
