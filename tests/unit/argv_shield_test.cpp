#include <doctest/doctest.h>

#include <CLI/CLI.hpp>
#include <optional>
#include <string>
#include <vector>

#include "cli/argv_shield.h"

using namespace drover::cli;

namespace {

const std::vector<std::string> kShieldCases = {"",
                                               "x",
                                               "[x]",
                                               "[a,b]",
                                               "[]",
                                               "[",
                                               "]",
                                               "-",
                                               "--",
                                               "--body",
                                               "--body=",
                                               "--body=x",
                                               "--body=[a,b]",
                                               "--=",
                                               "--b=--c=",
                                               "--b=--c=[x]",
                                               "--b=\x1f",
                                               "\x1f",
                                               "\x1f[x]",
                                               "\x1f\x1f",
                                               "a\x1f",
                                               "--b=--c=\x1fz",
                                               "[--body=]",
                                               "-x=",
                                               "==",
                                               "ü [✓]"};

// A CLI11 app with the option shapes drover uses: a multi-word positional, an optional
// string option and a plain string option.
struct ParsedWords {
  std::vector<std::string> words;
  std::optional<std::string> body;
  std::string subject;
};

ParsedWords parse_words(std::vector<std::string> argv, bool shield) {
  ParsedWords out;
  CLI::App app{"test"};
  app.add_option("words", out.words);
  app.add_option("--body", out.body);
  app.add_option("--subject", out.subject);
  if (shield) unshield_all_options(app);
  std::vector<const char*> c{"test"};
  for (const auto& a : argv) c.push_back(a.c_str());
  auto args = shield ? shielded_arguments(static_cast<int>(c.size()), c.data())
                     : std::vector<std::string>(argv.rbegin(), argv.rend());
  app.parse(args);
  return out;
}

}  // namespace

TEST_CASE("argv shield: unshield_value undoes shield_argument for every word") {
  for (const auto& s : kShieldCases) {
    CAPTURE(s);
    CHECK(unshield_value(shield_argument(s)) == s);
  }
  // Words nothing would rewrite are passed as they are.
  for (const char* plain : {"x", "-", "--", "--body", "--body=x", "a,b", "[a", "a]", "-x="})
    CHECK(shield_argument(plain) == plain);
  CHECK(shield_argument("[x]") == "\x1f[x]");
  CHECK(shield_argument("--body=") == "--body=\x1f");
  CHECK(shield_argument("--body=[a,b]") == "--body=\x1f[a,b]");
}

TEST_CASE("argv shield: the value after --opt= comes back as it was given") {
  for (const auto& v : kShieldCases) {
    CAPTURE(v);
    auto shielded = shield_argument("--body=" + v);
    REQUIRE(shielded.rfind("--body=", 0) == 0);
    auto value = shielded.substr(7);
    CHECK_FALSE(value.empty());  // CLI11 takes the next argument for an empty value
    CHECK(unshield_value(value) == v);
  }
}

TEST_CASE("argv shield: CLI11 hands every word and value to the options unchanged") {
  // Without the shield CLI11 2.1 splits bracketed words and takes the next argument for
  // `--body=`: the reason the shield exists.
  auto raw = parse_words({"[a,b]", "[]", "--body=", "--subject=s"}, false);
  CHECK(raw.words == std::vector<std::string>{"a", "b"});
  CHECK(raw.body == "--subject=s");

  auto kept = parse_words({"[a,b]", "[]", "--body=", "--subject=s"}, true);
  CHECK(kept.words == std::vector<std::string>{"[a,b]", "[]"});
  CHECK(kept.body == "");
  CHECK(kept.subject == "s");

  std::vector<std::string> argv{"--body=[x]", "--subject", "[y,z]", "--"};
  for (const auto& s : kShieldCases) argv.push_back(s);
  auto all = parse_words(argv, true);
  CHECK(all.body == "[x]");
  CHECK(all.subject == "[y,z]");
  CHECK(all.words == kShieldCases);
}

TEST_CASE("argv shield: error messages lose the shield bytes") {
  CHECK(unshield_message("The following arguments were not expected: \x1f[x] --b=\x1f") ==
        "The following arguments were not expected: [x] --b=");
}
