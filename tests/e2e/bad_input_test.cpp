// End-to-end: malformed input, broken projects and hostile text (SPEC §2, §6, §8).
// Every refusal prints one clear line on stderr, exits with the documented code and
// writes nothing.
#include <doctest/doctest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "support/command.h"
#include "support/database.h"
#include "support/mail.h"
#include "support/project.h"

using e2e::contains;
using e2e::expect_one_line_error;
using e2e::RunOptions;
using e2e::TempProject;

namespace fs = std::filesystem;

namespace {

std::vector<std::string> send_to(const std::string& to, std::vector<std::string> extra = {}) {
  std::vector<std::string> args{"mail", "send", "--to", to, "--subject", "s", "--body", "b"};
  args.insert(args.end(), extra.begin(), extra.end());
  return args;
}

}  // namespace

TEST_CASE("bad agent names are usage errors that name the rule, and nothing is stored") {
  TempProject p;
  p.init();
  const std::string too_long(64, 'a');
  for (const std::string& name :
       {std::string("../x"), std::string("A B"), std::string(""), too_long, std::string("Alice"),
        std::string("-dash"), std::string("a..b"), std::string("a/b"), std::string("@")}) {
    CAPTURE(name);
    auto r = p.drover(send_to(name));
    CHECK(r.code == 2);
    CHECK(r.out.empty());
    CHECK(r.err.find('\n') == r.err.size() - 1);
    if (name != "@") CHECK(contains(r.err, "1-63 characters"));
  }
  CHECK(contains(p.drover(send_to(too_long)).err, "64 characters"));
  CHECK(contains(p.drover(send_to("")).err, "empty"));
  // Bad names as senders and as filters are refused the same way.
  expect_one_line_error(p.drover(send_to("alice", {"--from", "../x"})), 2, "agent name");
  expect_one_line_error(p.drover(send_to("alice", {"--from", "supervisor "})), 2, "agent name");
  expect_one_line_error(p.drover({"mail", "check", "--agent", "A B"}), 2, "agent name");
  expect_one_line_error(p.drover({"mail", "list", "--to", "../x"}), 2, "agent name");
  expect_one_line_error(p.drover({"mail", "list", "--from", too_long}), 2, "agent name");
  RunOptions bad_self = e2e::with_env({{"DROVER_AGENT", "../../etc"}});
  expect_one_line_error(p.drover(send_to("alice"), bad_self), 2, "agent name");
  // `supervisor` only sends.
  expect_one_line_error(p.drover(send_to("supervisor")), 2, "supervisor");
  // The longest legal name is fine.
  CHECK(p.drover(send_to(std::string(63, 'a'))).code == 0);
  CHECK(e2e::mail_count(p) == 1);
  CHECK_FALSE(fs::exists(p.root() / "x"));
}

TEST_CASE("invalid type, priority, payload, limit and duration are usage errors") {
  TempProject p;
  p.init();
  auto id = std::to_string(e2e::send(p, {"--to", "alice", "--subject", "exists"})[0]);
  expect_one_line_error(p.drover(send_to("alice", {"--type", "bogus"})), 2, "valid types: status");
  expect_one_line_error(p.drover(send_to("alice", {"--type", "STATUS"})), 2, "invalid mail type");
  expect_one_line_error(p.drover(send_to("alice", {"--priority", "meh"})), 2,
                        "low, normal, high, urgent");
  expect_one_line_error(p.drover(send_to("alice", {"--payload", "{bad"})), 2, "JSON");
  expect_one_line_error(p.drover(send_to("alice", {"--payload", ""})), 2, "JSON");
  expect_one_line_error(p.drover(send_to("alice", {"--payload", "{\"a\":1} trailing"})), 2, "JSON");
  expect_one_line_error(p.drover({"mail", "list", "--limit", "-1"}), 2, "--limit");
  expect_one_line_error(p.drover({"mail", "list", "--limit", "many"}), 2, "limit");
  expect_one_line_error(p.drover({"mail", "list", "--since", "bogus"}), 2, "e.g. 500ms");
  expect_one_line_error(p.drover({"mail", "list", "--since", "10"}), 2, "unit");
  expect_one_line_error(p.drover({"mail", "list", "--since", "-5m"}), 2, "negative");
  expect_one_line_error(p.drover({"mail", "list", "--type", "nope"}), 2, "valid types");
  expect_one_line_error(p.drover({"mail", "reply", id, "--body", "x", "--priority", "max"}), 2,
                        "priority");
  // Body given twice, a stray positional argument, a reply without a body.
  expect_one_line_error(p.drover(send_to("alice", {"-"}), e2e::with_stdin("x")), 2, "once");
  expect_one_line_error(p.drover({"mail", "send", "--to", "a", "--subject", "s", "oops"}), 2,
                        "oops");
  expect_one_line_error(p.drover({"mail", "reply", id}), 2, "body");
  auto j = p.drover(send_to("alice", {"--type", "bogus", "--json"}));
  CHECK(j.code == 2);
  CHECK(j.json()["error"]["code"] == "usage");
  CHECK(contains(j.json()["error"]["message"], "invalid mail type"));
  CHECK(e2e::mail_count(p) == 1);
}

TEST_CASE("message ids: unknown ids are not found (3), non-numeric ids are usage errors (2)") {
  TempProject p;
  p.init();
  e2e::send(p, {"--to", "alice", "--subject", "only one"});
  expect_one_line_error(p.drover({"mail", "read", "99"}), 3, "#99");
  expect_one_line_error(p.drover({"mail", "reply", "99", "--body", "x"}), 3, "#99");
  CHECK(contains(p.drover({"mail", "read", "99"}).err, "drover mail list"));
  auto j = p.drover({"mail", "read", "99", "--json"});
  CHECK(j.code == 3);
  CHECK(j.json()["error"]["code"] == "not_found");
  expect_one_line_error(p.drover({"mail", "read", "abc"}), 2, "abc");
  expect_one_line_error(p.drover({"mail", "reply", "1x", "--body", "x"}), 2, "1x");
  expect_one_line_error(p.drover({"mail", "read"}), 2, "id");
  expect_one_line_error(p.drover({"mail", "send", "--to", "a", "--subject", "s", "--body-file",
                                  (p.root() / "missing.txt").string()}),
                        3, "--body-file");
  CHECK(e2e::mail_count(p) == 1);
  // A failed read does not mark anything read.
  CHECK(e2e::sql(p, "SELECT count(*) FROM messages WHERE read_at IS NULL") == "1");
}

TEST_CASE("a config with an unknown key or a wrong type is refused naming the key and the file") {
  TempProject p;
  p.init();
  e2e::send(p, {"--to", "operator", "--subject", "before"});
  auto cfg = p.root() / ".drover/config.toml";
  // Commands that start turns refuse a bad config (status and stop warn and carry on:
  // invalid_config_test.cpp).
  SUBCASE("typo key") {
    e2e::write_text(cfg, "[supervisor]\nmax_turns = 3\n");
    auto r = p.drover({"sling", "probe", "task"});
    expect_one_line_error(r, 5, "max_turns");
    CHECK(contains(r.err, cfg.string()));
    auto j = p.drover({"sling", "probe", "task", "--json"});
    CHECK(j.code == 5);
    CHECK(j.json()["error"]["code"] == "project");
    CHECK(contains(j.json()["error"]["message"], "max_turns"));
  }
  SUBCASE("unknown section") {
    e2e::write_text(cfg, "[supervisr]\nautostart = false\n");
    auto r = p.drover({"sling", "probe", "task"});
    expect_one_line_error(r, 5, "supervisr");
    CHECK(contains(r.err, "config.toml"));
  }
  SUBCASE("wrong type") {
    e2e::write_text(cfg, "[supervisor]\nmax_concurrent_turns = \"eight\"\n");
    auto r = p.drover({"sling", "probe", "task"});
    expect_one_line_error(r, 5, "max_concurrent_turns");
    CHECK(contains(r.err, "integer"));
    CHECK(contains(r.err, "config.toml"));
  }
  SUBCASE("bad duration") {
    e2e::write_text(cfg, "[turn]\nstall_timeout = \"10 minutes\"\n");
    expect_one_line_error(p.drover({"sling", "probe", "task"}), 5, "turn.stall_timeout");
  }
  SUBCASE("not TOML") {
    e2e::write_text(cfg, "[supervisor\nthis is not toml\n");
    expect_one_line_error(p.drover({"sling", "probe", "task"}), 5, "config.toml");
  }
  CHECK(e2e::mail_count(p) == 1);
}

TEST_CASE("a corrupt database is a failure (exit 1) that names the database") {
  TempProject p;
  p.init();
  if (e2e::on_postgresql()) {
    // No file to corrupt: a database without drover's tables is PostgreSQL's missing one.
    e2e::remove_database(p);
    expect_one_line_error(p.drover({"mail", "list"}), 5, "drover init");
    expect_one_line_error(p.drover({"status"}), 5, "has no drover tables");
    CHECK(e2e::sql_int(p, "SELECT count(*) FROM pg_tables WHERE schemaname = current_schema()") ==
          0);  // and nothing created them
    return;
  }
  auto db = e2e::db_path(p);
  std::string garbage;
  for (int i = 0; i < 512; ++i) garbage += "this is not an sqlite database ";
  e2e::write_text(db, garbage);
  fs::remove(db.string() + "-wal");
  fs::remove(db.string() + "-shm");
  for (const auto& args :
       {std::vector<std::string>{"status"}, std::vector<std::string>{"mail", "list"},
        std::vector<std::string>{"mail", "check"},
        std::vector<std::string>{"mail", "send", "--to", "operator", "--subject", "x"}}) {
    auto r = p.drover(args);
    expect_one_line_error(r, 1, "database");
    CHECK(contains(r.err, db.string()));
  }
  auto j = p.drover({"mail", "list", "--json"});
  CHECK(j.code == 1);
  CHECK(j.json()["error"]["code"] == "failed");
  CHECK(e2e::read_text(db) == garbage);  // drover never "repairs" it by overwriting

  // A missing database points at init.
  fs::remove(db);
  auto missing = p.drover({"mail", "list"});
  expect_one_line_error(missing, 5, "drover init");
}

TEST_CASE("a read-only database refuses writes with an error naming the database") {
  if (e2e::skip_on_postgresql("about file permissions on drover.db")) return;
  TempProject p;
  p.init();
  e2e::send(p, {"--to", "operator", "--subject", "before"});
  auto dir = p.root() / ".drover";
  auto db = e2e::db_path(p);
  e2e::hand_to_unprivileged(p.root());  // as root, the sends below run as nobody
  REQUIRE(::chmod(db.c_str(), 0400) == 0);
  REQUIRE(::chmod(dir.c_str(), 0500) == 0);
  e2e::RunOptions o;
  o.cwd = p.root();
  auto send = [&](std::vector<std::string> extra) {
    std::vector<std::string> argv{e2e::drover_bin(), "mail",      "send", "--to",
                                  "operator",        "--subject", "after"};
    argv.insert(argv.end(), extra.begin(), extra.end());
    return e2e::command(e2e::as_unprivileged(argv), o);
  };
  auto r = send({});
  auto j = send({"--json"});
  ::chmod(dir.c_str(), 0700);
  ::chmod(db.c_str(), 0600);
  expect_one_line_error(r, 1, "is read-only for this user");
  CHECK(j.code == 1);
  CHECK(j.json()["error"]["code"] == "failed");
  CHECK(e2e::mail_count(p) == 1);
}

TEST_CASE("terminal escapes in mail are escaped in human output and exact in --json") {
  TempProject p;
  p.init();
  const std::string subject = "red \x1b[31mALERT\x1b[0m \x07 bell";
  const std::string body = "line1\n\x1b]0;pwned\x07\x1b[2J clear\r\nend \xc2\x9b";
  auto id = e2e::send(
      p, {"--to", "operator", "--subject", subject, "--body", body, "--from", "alice"})[0];
  const std::string sid = std::to_string(id);
  for (const auto& args :
       {std::vector<std::string>{"mail", "check"},  // first: it marks read
        std::vector<std::string>{"mail", "read", sid}, std::vector<std::string>{"mail", "list"}}) {
    auto r = p.drover(args);
    CAPTURE(args[1]);
    CHECK(r.code == 0);
    CHECK_FALSE(e2e::has_esc(r.out));
    CHECK(r.out.find('\x07') == std::string::npos);
    CHECK(r.out.find('\r') == std::string::npos);
    CHECK(contains(r.out, "\\x1b[31mALERT"));
  }
  auto human = p.drover({"mail", "read", sid});
  CHECK(contains(human.out, "\\x07"));
  CHECK(contains(human.out, "line1\n"));  // newlines in bodies stay newlines
  CHECK(contains(human.out, "\\x1b]0;pwned\\x07"));
  CHECK(contains(human.out, "\\xc2\\x9b"));  // C1 control (CSI) escaped too

  auto j = p.drover({"mail", "read", sid, "--json"});
  REQUIRE(j.code == 0);
  auto m = j.json();
  CHECK(m["subject"] == subject);
  CHECK(m["body"] == body);
  auto list = p.drover({"mail", "list", "--json"});
  CHECK(list.json()["messages"][0]["subject"] == subject);

  // Escapes in the recipient's task and capability show up escaped in status.
  e2e::sql(
      p,
      "INSERT INTO sessions (name, capability, runtime, state, created_at, last_activity, task) "
      "VALUES ('eve', 'builder', 'claude', 'between_turns', '2026-01-01T00:00:00.000Z', "
      "'2026-01-01T00:00:00.000Z', 'evil ' || " +
          std::string(e2e::on_postgresql() ? "chr(27)" : "char(27)") + " || '[31m task')");
  for (const auto& args :
       {std::vector<std::string>{"status"}, std::vector<std::string>{"status", "eve"}}) {
    auto r = p.drover(args);
    CHECK(r.code == 0);
    CHECK_FALSE(e2e::has_esc(r.out));
    CHECK(contains(r.out, "evil \\x1b[31m task"));
  }
  CHECK(p.drover({"status", "eve", "--json"}).json()["agent"]["task"] == "evil \x1b[31m task");
}

TEST_CASE("an invalid UTF-8 body is stored byte for byte and --json stays valid JSON") {
  TempProject p;
  p.init();
  const std::string raw = "ok \xff\xfe bad \xc3\x28 end \xe2\x82";
  e2e::write_text(p.root() / "body.bin", raw);
  auto id = e2e::send(p, {"--to", "operator", "--subject", "bytes", "--body-file",
                          (p.root() / "body.bin").string()})[0];
  // The stored bytes in hex (PostgreSQL: the text's bytes, as the cluster is SQL_ASCII).
  const std::string hex_of_body =
      (e2e::on_postgresql() ? "SELECT upper(encode(convert_to(body, 'SQL_ASCII'), 'hex'))"
                            : "SELECT hex(body)") +
      std::string(" FROM messages WHERE id = ") + std::to_string(id);
  auto hex = e2e::sql(p, hex_of_body);
  CHECK(hex == "6F6B20FFFE2062616420C32820656E6420E282");

  for (const auto& args :
       {std::vector<std::string>{"mail", "check", "--json"},  // first: it marks read
        std::vector<std::string>{"mail", "list", "--json"},
        std::vector<std::string>{"mail", "read", std::to_string(id), "--json"}}) {
    auto r = p.drover(args);
    REQUIRE(r.code == 0);
    auto doc = r.json();  // fails the test if stdout is not one valid JSON document
    const auto& m = doc.contains("messages") ? doc["messages"][0] : doc;
    std::string shown = m["body"];
    CHECK(contains(shown, "ok "));
    CHECK(contains(shown, "\xef\xbf\xbd"));  // U+FFFD stands in for each bad byte sequence
    CHECK(contains(shown, " end "));
  }
  auto human = p.drover({"mail", "read", std::to_string(id)});
  REQUIRE(human.code == 0);
  CHECK(contains(human.out, "ok \\xff\\xfe bad \\xc3( end \\xe2\\x82"));
  // Reading it did not rewrite the stored bytes.
  CHECK(e2e::sql(p, hex_of_body) == hex);
}

TEST_CASE("unknown runtimes and capabilities list the known ones, with a suggestion") {
  TempProject p;
  p.init_scripted();
  auto rt = p.drover({"sling", "ann", "x", "--runtime", "scriptd", "--no-start"});
  expect_one_line_error(rt, 2, "unknown runtime 'scriptd' (did you mean 'scripted'?)");
  CHECK(contains(rt.err, "use 'claude' or 'scripted', or add [runtimes.scriptd]"));
  auto cap = p.drover({"sling", "ann", "x", "--capability", "buildr", "--no-start"});
  expect_one_line_error(cap, 2, "unknown capability 'buildr' (did you mean 'builder'?)");
  CHECK(contains(cap.err, "'builder'"));
  CHECK(contains(cap.err, "'scout'"));
  CHECK(p.drover({"status", "ann", "--json"}).code == 3);  // nothing was slung
}

TEST_CASE("mail to, or a parent named, with no session: sent, with one warning line") {
  TempProject p;
  e2e::init_for_manual_turns(p);  // alice stays live: no supervisor runs her turn
  REQUIRE(p.drover({"sling", "alice", "x", "--no-start"}).code == 0);
  auto typo = p.drover(send_to("alise"));
  CHECK(typo.code == 0);
  CHECK(typo.err ==
        "drover: no agent named 'alise' yet (did you mean 'alice'?): the mail waits for an "
        "agent of that name\n");
  CHECK(contains(p.drover({"mail", "list", "--to", "alise"}).out, "alise"));  // it was stored
  auto quiet = p.drover(send_to("alise", {"-q"}));  // -q: a script asked for silence
  CHECK(quiet.code == 0);
  CHECK(quiet.err.empty());
  for (const char* quiet_to : {"alice", "operator", "@all"}) {
    auto r = p.drover(send_to(quiet_to));
    CHECK(r.code == 0);
    CHECK(r.err.empty());
  }
  auto parent = p.drover({"sling", "bob", "x", "--parent", "nobody", "--no-start"});
  CHECK(parent.code == 0);
  CHECK(parent.err ==
        "drover: no agent named 'nobody' yet: its reports will wait for an agent of that name\n");
  auto known = p.drover({"sling", "carol", "x", "--parent", "alice", "--no-start"});
  CHECK(known.code == 0);
  CHECK(known.err.empty());
}
