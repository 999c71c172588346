// The `sling --batch` input (core/sling_batch.h): the three formats, defaults from the
// flags, every problem found with where it is, and the insert order.
#include <doctest/doctest.h>

#include <string>

#include "core/sling_batch.h"

using namespace drover;

namespace {

bool has(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The problems' messages, in the order batch_error would rank them.
std::vector<std::string> messages(const BatchParse& b) {
  std::vector<std::string> out;
  for (const auto& p : b.problems) out.push_back(p.error.message);
  return out;
}

}  // namespace

TEST_CASE("sling batch: lines are NAME TASK…, comments and blank lines skipped") {
  auto b = parse_sling_batch(
      "# the login work\n\nalice fix the login bug\r\nbob\t  #!say hi  \n  carol  review it\n", {});
  REQUIRE(b.problems.empty());
  REQUIRE(b.entries.size() == 3);
  CHECK(b.entries[0].name == "alice");
  CHECK(b.entries[0].task == "fix the login bug");
  CHECK(b.entries[0].where == "line 3");
  CHECK(b.entries[1].name == "bob");
  CHECK(b.entries[1].task == "#!say hi");
  CHECK(b.entries[2].name == "carol");
  CHECK(b.entries[2].task == "review it");
  CHECK(b.entries[2].where == "line 5");
}

TEST_CASE("sling batch: the flags are every entry's defaults, JSON keys override them") {
  BatchEntry d;
  d.capability = "scout";
  d.max_turns = "3";
  d.parent = "lead";
  auto lines = parse_sling_batch("a one\nb two\n", d);
  REQUIRE(lines.problems.empty());
  for (const auto& e : lines.entries) {
    CHECK(e.capability == "scout");
    CHECK(e.max_turns == "3");
    CHECK(e.parent == "lead");
  }
  auto arr = parse_sling_batch(R"([{"name":"a","task":"one","capability":"builder",
    "max_cost":0.5,"max_tokens":"9000","worktree":true,"base_branch":"dev","model":null},
    {"name":"b","task":"two\nlines"}])",
                               d);
  REQUIRE(arr.problems.empty());
  REQUIRE(arr.entries.size() == 2);
  CHECK(arr.entries[0].capability == "builder");
  CHECK(arr.entries[0].max_cost == "0.5");
  CHECK(arr.entries[0].max_tokens == "9000");
  CHECK(arr.entries[0].max_turns == "3");
  CHECK(arr.entries[0].worktree);
  CHECK(arr.entries[0].base_branch == "dev");
  CHECK_FALSE(arr.entries[0].model);  // null keeps the default (none)
  CHECK(arr.entries[1].capability == "scout");
  CHECK(arr.entries[1].task == "two\nlines");
  CHECK(arr.entries[1].where == "element 2");
}

TEST_CASE("sling batch: a UTF-8 byte order mark is not part of the first name") {
  auto lines = parse_sling_batch(
      "\xEF\xBB\xBF"
      "alice fix it\n",
      {});
  REQUIRE(lines.problems.empty());
  CHECK(lines.entries.at(0).name == "alice");
  auto arr = parse_sling_batch("\xEF\xBB\xBF[{\"name\":\"a\",\"task\":\"x\"}]", {});
  CHECK(arr.problems.empty());
}

TEST_CASE("sling batch: JSON Lines, one object per line") {
  auto b =
      parse_sling_batch("{\"name\":\"a\",\"task\":\"x\"}\n\n{\"name\":\"b\",\"task\":\"y\"}\n", {});
  REQUIRE(b.problems.empty());
  REQUIRE(b.entries.size() == 2);
  CHECK(b.entries[1].name == "b");
  CHECK(b.entries[1].where == "line 3");
}

TEST_CASE("sling batch: every bad entry is a usage problem naming where it is") {
  auto b = parse_sling_batch("good fix it\nBad fix it\nlonely\nok2 x\ngood again\n", {});
  auto m = messages(b);
  REQUIRE(m.size() == 3);
  CHECK(has(m[0], "line 2 (Bad): agent name 'Bad' contains an invalid character"));
  CHECK(has(m[1], "line 3 (lonely): no task after the name"));
  CHECK(has(m[2], "line 5 (good): the name 'good' is given twice (first at line 1)"));
  for (const auto& p : b.problems) CHECK(p.error.code == Errc::usage);
  CHECK(b.problems[0].at == 2);

  auto j = parse_sling_batch(
      R"([{"name":"a","task":"x","capabilty":"scout"}, 7, {"task":"y"},
          {"name":"d","task":"z","max_turns":0},
          {"name":"e","task":"w","base_branch":"dev"}, {"name":"f","task":"  "},
          {"name":"g","task":"v","worktree":"yes"}])",
      {});
  auto jm = messages(j);
  REQUIRE(jm.size() == 7);
  CHECK(has(jm[0], "element 1 (a): unknown key \"capabilty\" (did you mean \"capability\"?)"));
  CHECK(has(jm[1], "element 2: expected an object"));
  CHECK(has(jm[2], "element 3: no \"name\""));
  CHECK(has(jm[3], "element 4 (d): max_turns: expected a whole number greater than 0"));
  CHECK(has(jm[4], "element 5 (e): a base branch needs a worktree"));
  CHECK(has(jm[5], "element 6 (f): the task is empty"));
  CHECK(has(jm[6], "element 7 (g): \"worktree\" must be true or false, not string"));
}

TEST_CASE("sling batch: JSON that does not parse says where") {
  auto arr = parse_sling_batch("[{\"name\":\"a\",\"task\":\"x\"},\n {\"name\": }]", {});
  REQUIRE(arr.problems.size() == 1);
  CHECK(arr.problems[0].at == 0);
  CHECK(has(arr.problems[0].error.message, "the JSON array does not parse: parse error at line 2"));
  auto lines = parse_sling_batch("{\"name\":\"a\",\"task\":\"x\"}\n{\"name\":\"b\",\n", {});
  REQUIRE(lines.problems.size() == 1);
  CHECK(has(lines.problems[0].error.message, "line 2: not a JSON object"));
}

TEST_CASE("sling batch: an input without agents is a problem") {
  for (const char* text : {"", "\n  \n", "# only a comment\n", "[]"}) {
    CAPTURE(text);
    auto b = parse_sling_batch(text, {});
    REQUIRE(b.problems.size() == 1);
    CHECK(has(b.problems[0].error.message, "the batch has no agents"));
  }
}

TEST_CASE("sling batch: one error line, the first problem in input order, with the count") {
  BatchEntry e;
  e.where = "line 9";
  e.name = "zed";
  std::vector<BatchProblem> problems = {batch_problem(e, 8, "exists", Errc::conflict),
                                        {3, make_error(Errc::usage, "line 3 (a): bad")}};
  auto err = batch_error(problems);
  CHECK(err.code == Errc::usage);
  CHECK(err.message == "sling --batch: line 3 (a): bad (and 1 more problem); no agent was slung");
  auto one = batch_error({problems[0]});
  CHECK(one.code == Errc::conflict);
  CHECK(one.message == "sling --batch: line 9 (zed): exists; no agent was slung");
}

TEST_CASE("sling batch: parents in the batch are inserted before their children") {
  auto entry = [](std::string name, std::optional<std::string> parent) {
    BatchEntry e;
    e.name = std::move(name);
    e.parent = std::move(parent);
    return e;
  };
  std::vector<BatchEntry> v = {entry("kid", "lead"), entry("solo", "operator"),
                               entry("grandkid", "kid"), entry("lead", std::nullopt)};
  CHECK(parents_first(v) == std::vector<std::size_t>{3, 0, 1, 2});
  std::vector<BatchEntry> cycle = {entry("a", "b"), entry("b", "a"), entry("c", "c")};
  auto order = parents_first(cycle);
  CHECK(order.size() == 3);
  CHECK(order == std::vector<std::size_t>{1, 0, 2});
}
