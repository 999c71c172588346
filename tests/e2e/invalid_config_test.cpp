// End-to-end: an invalid config.toml does not lock the operator out (issue 15 item 7):
// status, stop, down, log, mail and doctor still work (with a warning naming the file and
// the problem); only commands that start turns refuse with exit 5.
#include <doctest/doctest.h>

#include "support/agents.h"
#include "support/command.h"
#include "support/project.h"

using e2e::contains;
using e2e::TempProject;

TEST_CASE("an invalid config.toml leaves status, stop, down, log, mail and doctor working") {
  TempProject p;
  e2e::init_for_manual_turns(p);
  e2e::sling(p, {"a1", "--no-start", "#!say hi"});
  auto cfg = p.root() / ".drover/config.toml";
  e2e::write_text(cfg, "bogus_key = 1\n" + e2e::read_text(cfg));

  auto status = e2e::run(p, {"status"});
  INFO(status.out << status.err);
  CHECK(status.code == 0);
  CHECK(contains(status.err, "config.toml"));
  CHECK(contains(status.err, "bogus_key"));
  CHECK(contains(status.err, "using the defaults for this command"));
  CHECK(contains(status.out, "a1"));
  auto json = e2e::run(p, {"status", "--json"});
  CHECK(json.code == 0);
  CHECK(json.json()["agents"].size() == 1);

  CHECK(e2e::run(p, {"mail", "send", "--to", "a1", "--subject", "s", "--body", "b"}).code == 0);
  CHECK(e2e::run(p, {"mail", "list", "--json"}).code == 0);
  CHECK(e2e::run(p, {"log", "a1"}).code == 0);
  auto doctor = e2e::run(p, {"doctor"});
  CHECK(doctor.code == 1);  // it reports the bad config as a failed check, and runs the rest
  CHECK(contains(doctor.out, "bogus_key"));
  auto stop = e2e::run(p, {"stop", "a1"});
  INFO(stop.out << stop.err);
  CHECK(stop.code == 0);
  CHECK(e2e::state_of(p, "a1") == "stopped");
  CHECK(e2e::run(p, {"down"}).code == 0);

  auto sling = e2e::run(p, {"sling", "a2", "#!say hi"});
  CHECK(sling.code == 5);  // starting turns needs a valid config
  CHECK(contains(sling.err, "bogus_key"));
}
