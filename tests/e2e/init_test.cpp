#include <doctest/doctest.h>
#include <sys/stat.h>

#include "support/command.h"
#include "support/project.h"

using e2e::TempProject;

TEST_CASE("init creates a private .drover with config, database and capabilities") {
  TempProject p;
  auto r = p.drover({"init", "--json"});
  REQUIRE(r.code == 0);
  auto doc = r.json();
  CHECK(doc["project"] == p.root().string());
  CHECK(std::filesystem::exists(p.root() / ".drover/config.toml"));
  CHECK(std::filesystem::exists(p.root() / ".drover/drover.db"));
  struct stat st {};
  REQUIRE(::stat((p.root() / ".drover").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0700);
  REQUIRE(::stat((p.root() / ".drover/config.toml").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
  REQUIRE(::stat((p.root() / ".drover/drover.db").c_str(), &st) == 0);
  CHECK((st.st_mode & 0777) == 0600);
}

TEST_CASE("init twice is a conflict, --force rewrites the config and keeps mail") {
  TempProject p;
  p.init();
  REQUIRE(p.drover({"mail", "send", "--to", "operator", "--subject", "keep me"}).code == 0);
  e2e::write_text(p.root() / ".drover/config.toml", "[supervisor]\nmax_concurrent_turns = 2\n");
  auto again = p.drover({"init"});
  CHECK(again.code == 4);
  CHECK(again.err.find("already initialised") != std::string::npos);
  auto forced = p.drover({"init", "--force"});
  CHECK(forced.code == 0);
  CHECK(e2e::read_text(p.root() / ".drover/config.toml").find("max_concurrent_turns = 8") !=
        std::string::npos);
  auto list = p.drover({"mail", "list", "--json"});
  REQUIRE(list.code == 0);
  CHECK(list.json()["messages"].size() == 1);
}

TEST_CASE("--version prints the version and exits 0") {
  auto r = e2e::command({e2e::drover_bin(), "--version"});
  CHECK(r.code == 0);
  CHECK(r.out.find("drover ") == 0);
}
