// End-to-end: which database a project uses (SPEC §10, store/target.h): config.toml's
// `store = "postgresql://…"`, overridden by DROVER_STORE. No server is needed: one that is
// not there must be named in one error line, and nothing may go to .drover/drover.db.
#include <doctest/doctest.h>

#include "support/command.h"
#include "support/database.h"
#include "support/project.h"

using e2e::contains;
using e2e::TempProject;

TEST_CASE("store: config.toml's store selects a PostgreSQL database, DROVER_STORE overrides it") {
  TempProject p;
  e2e::init_without_autostart(p);
  const auto config = p.root() / ".drover" / "config.toml";
  const std::string server = (p.root() / "no-server").string();
  e2e::write_text(config, "store = \"postgresql:///drover?host=" + server +
                              "&connect_timeout=2\"\n" + e2e::read_text(config));
  const std::vector<std::string> send = {"mail",      "send", "--to",   "bob",
                                         "--subject", "s",    "--body", "b"};

  // With the tests on PostgreSQL (support/store.h) DROVER_STORE names the project's schema:
  // empty, it is not set, and the config decides.
  auto r = p.drover(send, e2e::with_env({{"DROVER_STORE", ""}}));
  CHECK(r.code == 1);
  CHECK(contains(r.err, "database postgresql:///drover?host=" + server));
  CHECK(contains(r.err, "cannot connect"));
  CHECK(r.err.find('\n') == r.err.size() - 1);  // one line
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM messages") == 0);

  // DROVER_STORE wins over the config: here it names the project's own SQLite file (or,
  // on PostgreSQL, its schema).
  auto env = e2e::with_env(
      {{"DROVER_STORE",
        e2e::on_postgresql() ? p.store() : (p.root() / ".drover" / "drover.db").string()}});
  auto sent = p.drover(send, env);
  CHECK(sent.code == 0);
  CHECK(e2e::sql_int(p, "SELECT count(*) FROM messages") == 1);

  // A store that is not a postgresql:// URI is refused as a config error, naming the key.
  e2e::write_text(config, "store = \"/tmp/elsewhere.db\"\n" +
                              e2e::read_text(config).substr(e2e::read_text(config).find('\n') + 1));
  auto bad = p.drover({"sling", "x", "task"}, e2e::with_env({{"DROVER_STORE", ""}}));
  CHECK(bad.code != 0);
  CHECK(contains(bad.err, "store"));
  CHECK(contains(bad.err, "postgresql://"));
}
