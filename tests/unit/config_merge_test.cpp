#include <doctest/doctest.h>

#include <algorithm>
#include <string>

#include "core/config.h"
#include "core/config_merge.h"

using drover::default_config_text;
using drover::merge_config;
using drover::parse_config;

namespace {

const std::string kDefaults = R"([supervisor]
max_concurrent_turns = 8  # how many
autostart = true          # start it

[runtimes.claude]
command = ["claude", "-p",
           "--verbose"]  # argv
model_args = ["--model", "{model}"]
)";

}  // namespace

TEST_CASE("config merge: a complete file comes back byte for byte, nothing added") {
  auto m = merge_config(default_config_text(), default_config_text(), "config.toml");
  REQUIRE(m.ok());
  CHECK(m->text == default_config_text());
  CHECK(m->added.empty());
}

TEST_CASE(
    "config merge: the user's values and comments stay, missing keys are added under their "
    "header") {
  std::string user = "# mine\n[supervisor]   # tuned\nmax_concurrent_turns = 2 # two\n";
  auto m = merge_config(user, kDefaults, "config.toml");
  REQUIRE(m.ok());
  CHECK(m->text ==
        "# mine\n[supervisor]   # tuned\nautostart = true          # start it\n"
        "max_concurrent_turns = 2 # two\n\n[runtimes.claude]\n"
        "command = [\"claude\", \"-p\",\n           \"--verbose\"]  # argv\n"
        "model_args = [\"--model\", \"{model}\"]\n");
  CHECK(m->added == std::vector<std::string>{"supervisor.autostart", "runtimes.claude.command",
                                             "runtimes.claude.model_args"});
}

TEST_CASE("config merge: a custom runtime and a changed claude command are kept") {
  std::string user =
      "[defaults]\nruntime = \"mine\"\n\n[runtimes.mine]\ncommand = [\"/bin/agent\"]\n\n"
      "[runtimes.claude]\ncommand = [\"claude\", \"--x\"]\n";
  auto m = merge_config(user, default_config_text(), "config.toml");
  REQUIRE(m.ok());
  auto before = parse_config(user, "u");
  auto after = parse_config(m->text, "m");
  REQUIRE(before.ok());
  REQUIRE(after.ok());
  CHECK(after->defaults.runtime == "mine");
  CHECK(after->runtimes.at("mine").command == std::vector<std::string>{"/bin/agent"});
  CHECK(after->runtimes.at("claude").command == before->runtimes.at("claude").command);
  CHECK(after->runtimes.at("claude").model_args == before->runtimes.at("claude").model_args);
  CHECK(after->supervisor.max_concurrent_turns == 8);
  CHECK(m->text.find("runtime = \"mine\"\n") != std::string::npos);
  CHECK(m->text.find("[runtimes.mine]\ncommand = [\"/bin/agent\"]\n") != std::string::npos);
  CHECK(std::find(m->added.begin(), m->added.end(), "runtimes.claude.resume_args") !=
        m->added.end());
  CHECK(std::find(m->added.begin(), m->added.end(), "defaults.runtime") == m->added.end());
  CHECK(std::find(m->added.begin(), m->added.end(), "defaults.capability") != m->added.end());
  // Merging again adds nothing.
  auto again = merge_config(m->text, default_config_text(), "config.toml");
  REQUIRE(again.ok());
  CHECK(again->text == m->text);
  CHECK(again->added.empty());
}

TEST_CASE("config merge: a section written with dotted keys gets no header of its own") {
  std::string user = "supervisor.max_concurrent_turns = 3\n";
  auto m = merge_config(user, kDefaults, "config.toml");
  REQUIRE(m.ok());
  CHECK(parse_config(m->text, "m")->supervisor.max_concurrent_turns == 3);
  CHECK(m->text.find("[supervisor]") == std::string::npos);
}

TEST_CASE("config merge: an empty file gets every key, a file without final newline is fine") {
  auto empty = merge_config("", default_config_text(), "config.toml");
  REQUIRE(empty.ok());
  CHECK(parse_config(empty->text, "m").ok());
  CHECK(empty->added.size() == 20);
  auto nonl = merge_config("[turn]\nkill_grace = \"5s\"", kDefaults, "config.toml");
  REQUIRE(nonl.ok());
  CHECK(nonl->text.rfind("[turn]\nkill_grace = \"5s\"\n\n[supervisor]\n", 0) == 0);
}

TEST_CASE("config merge: a file that does not parse, or names an unknown key, is refused") {
  auto bad = merge_config("[supervisor\nx = 1\n", kDefaults, "config.toml");
  REQUIRE_FALSE(bad.ok());
  CHECK(bad.error().code == drover::Errc::project);
  CHECK(bad.error().message.rfind("config.toml:1:", 0) == 0);
  auto unknown = merge_config("[supervisor]\nmax_turns = 1\n", kDefaults, "config.toml");
  REQUIRE_FALSE(unknown.ok());
  CHECK(unknown.error().message.find("max_turns") != std::string::npos);
}
