#include "core/suggest.h"

#include <doctest/doctest.h>

using namespace drover;

TEST_CASE("suggest: typos find the word meant") {
  const std::vector<std::string> commands = {"sling", "nudge", "stop", "status", "log", "mail"};
  CHECK(closest_word("slng", commands) == "sling");
  CHECK(closest_word("stauts", commands) == "status");  // a swap is one edit
  CHECK(closest_word("stat", commands) == "status");    // a prefix
  CHECK(closest_word("mial", commands) == "mail");
  CHECK(closest_word("--runtim", {"--runtime", "--model", "--parent"}) == "--runtime");
}

TEST_CASE("suggest: nothing close is nothing suggested") {
  const std::vector<std::string> commands = {"sling", "nudge", "stop"};
  CHECK_FALSE(closest_word("frobnicate", commands));
  CHECK_FALSE(closest_word("", commands));
  CHECK_FALSE(closest_word("xy", commands));
  CHECK_FALSE(closest_word("slng", {}));
}

TEST_CASE("suggest: lists read as a sentence") {
  CHECK(quoted_list({}) == "");
  CHECK(quoted_list({"claude"}) == "'claude'");
  CHECK(quoted_list({"claude", "scripted"}) == "'claude' or 'scripted'");
  CHECK(quoted_list({"a", "b", "c"}) == "'a', 'b' or 'c'");
}
