#include <doctest/doctest.h>
#include <sys/stat.h>

#include <algorithm>

#include "os/file_lock.h"
#include "support/command.h"
#include "support/database.h"
#include "support/project.h"

using e2e::TempProject;

TEST_CASE("init creates a private .drover with config, database and capabilities") {
  TempProject p;
  auto r = p.drover({"init", "--json"});
  REQUIRE(r.code == 0);
  auto doc = r.json();
  CHECK(doc["project"] == p.root().string());
  CHECK(std::filesystem::exists(p.root() / ".drover/config.toml"));
  struct stat st {};
  REQUIRE(::stat((p.root() / ".drover").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(::stat((p.root() / ".drover/config.toml").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  if (e2e::on_postgresql()) {
    // The tables are in the database DROVER_STORE names; no SQLite file is made beside them.
    CHECK(doc["database"] == p.store());
    CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/drover.db"));
    CHECK(e2e::sql_int(p, "SELECT max(version) FROM drover_schema") > 0);
    return;
  }
  CHECK(doc["database"] == (p.root() / ".drover/drover.db").string());
  REQUIRE(::stat((p.root() / ".drover/drover.db").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("init twice is a conflict, --force keeps the user's values and mail") {
  TempProject p;
  p.init();
  REQUIRE(p.drover({"mail", "send", "--to", "operator", "--subject", "keep me"}).code == 0);
  e2e::write_text(p.root() / ".drover/config.toml", "[supervisor]\nmax_concurrent_turns = 2\n");
  auto again = p.drover({"init"});
  CHECK(again.code == 4);
  CHECK(again.err.find("already initialised") != std::string::npos);
  auto forced = p.drover({"init", "--force"});
  CHECK(forced.code == 0);
  CHECK(e2e::read_text(p.root() / ".drover/config.toml").find("max_concurrent_turns = 2") !=
        std::string::npos);
  auto list = p.drover({"mail", "list", "--json"});
  REQUIRE(list.code == 0);
  CHECK(list.json()["messages"].size() == 1);
}

TEST_CASE(
    "init --force keeps custom runtimes and changed values, adds missing keys, keeps a .bak") {
  TempProject p;
  p.init();
  const auto config = p.root() / ".drover/config.toml";
  const std::string mine =
      "# my settings\n[supervisor]\nmax_concurrent_turns = 3  # mine\n\n[defaults]\n"
      "runtime = \"scripted\"\n\n[runtimes.scripted]\ncommand = [\"/opt/agent\", \"--x\"]\n";
  e2e::write_text(config, mine);
  auto r = p.drover({"init", "--force", "--json"});
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  const std::string merged = e2e::read_text(config);
  CHECK(merged.find("max_concurrent_turns = 3  # mine") != std::string::npos);
  CHECK(merged.find("runtime = \"scripted\"") != std::string::npos);
  CHECK(merged.find("[runtimes.scripted]\ncommand = [\"/opt/agent\", \"--x\"]") !=
        std::string::npos);
  CHECK(merged.find("stall_timeout = \"10m\"") != std::string::npos);  // added
  CHECK(merged.find("autostart = true") != std::string::npos);         // added
  CHECK(e2e::read_text(p.root() / ".drover/config.toml.bak") == mine);
  auto doc = r.json();
  auto added = doc["added"];
  CHECK(std::find(added.begin(), added.end(), "supervisor.autostart") != added.end());
  CHECK(std::find(added.begin(), added.end(), "turn.stall_timeout") != added.end());
  CHECK(std::find(added.begin(), added.end(), "supervisor.max_concurrent_turns") == added.end());
  CHECK(doc["backup"] == (p.root() / ".drover/config.toml.bak").string());
  auto human = p.drover({"init", "--force"});
  CHECK(human.code == 0);
  CHECK(human.out.find("added nothing") != std::string::npos);
  // The merged file is a valid config with the user's values.
  auto status = p.drover({"status", "--json"});
  REQUIRE(status.code == 0);
  CHECK(status.json()["supervisor"]["max_concurrent_turns"] == 3);
}

TEST_CASE("init --force refuses a config that does not parse (5) and changes nothing") {
  TempProject p;
  p.init();
  const auto config = p.root() / ".drover/config.toml";
  e2e::write_text(config, "[supervisor\nmax_concurrent_turns = 3\n");
  auto r = p.drover({"init", "--force"});
  CHECK(r.code == 5);
  CHECK(r.err.find("config.toml:1:") != std::string::npos);
  CHECK(std::count(r.err.begin(), r.err.end(), '\n') == 1);
  CHECK(e2e::read_text(config) == "[supervisor\nmax_concurrent_turns = 3\n");
  CHECK_FALSE(std::filesystem::exists(p.root() / ".drover/config.toml.bak"));
}

TEST_CASE("init --force refuses (4) while a supervisor holds its lock, unless given twice") {
  TempProject p;
  p.init();
  const auto config = p.root() / ".drover/config.toml";
  e2e::write_text(config, "[supervisor]\nmax_concurrent_turns = 4\n");
  auto lock = drover::os::FileLock::try_acquire(p.root() / ".drover/supervisor.lock");
  REQUIRE(lock.ok());
  auto r = p.drover({"init", "--force"});
  CHECK(r.code == 4);
  CHECK(r.err.find("supervisor is running") != std::string::npos);
  CHECK(r.err.find("--force twice") != std::string::npos);
  CHECK(e2e::read_text(config) == "[supervisor]\nmax_concurrent_turns = 4\n");
  auto twice = p.drover({"init", "--force", "--force"});
  CHECK(twice.code == 0);
  CHECK(e2e::read_text(config).find("max_concurrent_turns = 4") != std::string::npos);
}

TEST_CASE("--version prints the version and exits 0") {
  auto r = e2e::command({e2e::drover_bin(), "--version"});
  CHECK(r.code == 0);
  CHECK(r.out.find("drover ") == 0);
}
