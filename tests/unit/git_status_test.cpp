#include <doctest/doctest.h>

#include <string>

#include "core/git_status.h"

using drover::summarize_porcelain;
using namespace std::string_literals;

// `git status --porcelain=v1 -z` entries: "XY PATH\0", renames/copies "XY NEW\0OLD\0".
TEST_CASE("summarize_porcelain: nothing is clean") {
  CHECK(summarize_porcelain("") == "clean");
  CHECK(summarize_porcelain("\n") == "clean");
}

TEST_CASE("summarize_porcelain: counts by kind in a fixed order") {
  std::string in = " M a.txt\0M  b.txt\0MM c.txt\0A  new.txt\0?? u1\0?? dir/\0?? u2\0"s;
  CHECK(summarize_porcelain(in) == "3 modified, 1 added, 3 untracked");
}

TEST_CASE("summarize_porcelain: deleted, type changes and added-then-modified") {
  CHECK(summarize_porcelain(" D gone\0D  staged-gone\0"s) == "2 deleted");
  CHECK(summarize_porcelain(" T link\0T  other\0"s) == "2 modified");
  CHECK(summarize_porcelain("AM half-staged\0"s) == "1 added");
  CHECK(summarize_porcelain("AD added-then-removed\0"s) == "1 added");
}

TEST_CASE("summarize_porcelain: a rename's second path is not an entry") {
  // The old path "M  x" would read as a modification if it were taken for an entry.
  CHECK(summarize_porcelain("R  new name\0M  x\0 M real\0"s) == "1 modified, 1 renamed");
  CHECK(summarize_porcelain("C  copy\0orig\0"s) == "1 copied");
  CHECK(summarize_porcelain("RM moved-and-edited\0old\0"s) == "1 renamed");
}

TEST_CASE("summarize_porcelain: every unmerged combination is a conflict") {
  for (const char* xy : {"DD", "AU", "UD", "UA", "DU", "AA", "UU"}) {
    CAPTURE(xy);
    CHECK(summarize_porcelain(std::string(xy) + " file\0"s) == "1 conflicted");
  }
}

TEST_CASE("summarize_porcelain: ignored entries are not changes") {
  CHECK(summarize_porcelain("!! build/\0"s) == "clean");
  CHECK(summarize_porcelain("!! build/\0?? notes\0"s) == "1 untracked");
}

TEST_CASE("summarize_porcelain: paths with spaces, newlines and arrows are one entry each") {
  CHECK(summarize_porcelain(" M a b -> c\0?? line\nbreak\0"s) == "1 modified, 1 untracked");
}

TEST_CASE("summarize_porcelain: malformed input is skipped, never thrown on") {
  CHECK(summarize_porcelain("garbage") == "clean");
  CHECK(summarize_porcelain("M\0 M\0??\0"s) == "clean");
  CHECK(summarize_porcelain("XYZ\0 M ok\0"s) == "1 modified");
  CHECK(summarize_porcelain(" M no-terminator") == "1 modified");
  CHECK(summarize_porcelain("R  renamed-without-origin"s) == "1 renamed");
  std::string bytes;
  for (int i = 0; i < 4096; ++i) bytes += static_cast<char>(i * 37);
  CHECK_NOTHROW(summarize_porcelain(bytes));
}
