#include <doctest/doctest.h>

#include <string>

#include "core/names.h"

using namespace drover;

namespace {

bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

// The rule is spelled out in every rejection that is about the shape of the name.
void check_rejected_with_rule(const std::string& name) {
  CAPTURE(name);
  auto r = validate_agent_name(name);
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::usage);
  CHECK(contains(r.error().message, "1-63 characters"));
  CHECK(contains(r.error().message, "a-z, 0-9"));
  CHECK(contains(r.error().message, "starting with a letter or digit"));
  CHECK(contains(r.error().message, "'..'"));
}

}  // namespace

TEST_CASE("names: valid agent names") {
  for (const std::string name :
       {"a", "z", "0", "9", "alice", "builder-1", "scout_2", "x.y", "a-b_c.d", "007", "a.b.c",
        "agent-", "agent.", "agent_", "a-", "0abc", "abc123xyz"}) {
    CAPTURE(name);
    CHECK(validate_agent_name(name).ok());
  }
}

TEST_CASE("names: length limits 1..63") {
  CHECK(validate_agent_name(std::string(1, 'a')).ok());
  CHECK(validate_agent_name(std::string(63, 'a')).ok());
  CHECK(validate_agent_name("b" + std::string(62, '-')).ok());
  check_rejected_with_rule(std::string(64, 'a'));
  check_rejected_with_rule(std::string(1000, 'x'));
  auto r = validate_agent_name(std::string(64, 'a'));
  REQUIRE_FALSE(r.ok());
  CHECK(contains(r.error().message, "64 characters long"));
  // A long name is shortened in the message rather than echoed whole.
  CHECK_FALSE(contains(r.error().message, std::string(64, 'a')));
}

TEST_CASE("names: empty name") {
  check_rejected_with_rule("");
  CHECK(contains(validate_agent_name("").error().message, "empty"));
}

TEST_CASE("names: path traversal and separators") {
  for (const std::string name :
       {"../x", "..", ".", "a/b", "/abs", "a\\b", "x/..", "a..b", "a...b", "ab..", "a/../b"}) {
    check_rejected_with_rule(name);
  }
  CHECK(contains(validate_agent_name("a..b").error().message, "contains '..'"));
}

TEST_CASE("names: bad first character") {
  for (const std::string name : {"-a", ".a", "_a", "-", "_", ".hidden"}) {
    check_rejected_with_rule(name);
    CHECK(contains(validate_agent_name(name).error().message, "must start with a letter or digit"));
  }
}

TEST_CASE("names: invalid characters") {
  for (const std::string name : {"A B", "a b", "Alice", "alicE", "aBc", "a:b", "a@b", "a*b", "a$b",
                                 "a,b", "a~b", "\xc3\xa9t\xc3\xa9", "a\xff"}) {
    check_rejected_with_rule(name);
  }
  CHECK(contains(validate_agent_name("alicE").error().message, "invalid character"));
}

TEST_CASE("names: control characters are rejected and escaped in the message") {
  for (const std::string& name :
       {std::string("a\nb"), std::string("a\tb"), std::string("a\x1b[31m"), std::string("a\0b", 3),
        std::string("ab\x7f"), std::string("a\x01")}) {
    check_rejected_with_rule(name);
    const auto msg = validate_agent_name(name).error().message;
    for (unsigned char c : msg) {
      CAPTURE(static_cast<int>(c));
      CHECK((c >= 0x20 && c != 0x7f));
    }
  }
  CHECK(contains(validate_agent_name("a\x1b").error().message, "'a\\x1b'"));
  CHECK(contains(validate_agent_name(std::string("a\0b", 3)).error().message, "\\x00"));
}

TEST_CASE("names: operator and supervisor are reserved") {
  for (const std::string name : {"operator", "supervisor"}) {
    CAPTURE(name);
    auto r = validate_agent_name(name);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::usage);
    CHECK(contains(r.error().message, "reserved"));
    CHECK(contains(r.error().message, name));
  }
  // Only the exact words are reserved.
  CHECK(validate_agent_name("operator2").ok());
  CHECK(validate_agent_name("supervisor-1").ok());
  CHECK(validate_agent_name("my-operator").ok());
  CHECK(kOperator == "operator");
  CHECK(kSupervisor == "supervisor");
}

TEST_CASE("names: mail senders") {
  CHECK(validate_mail_sender("operator").ok());
  CHECK(validate_mail_sender("supervisor").ok());
  CHECK(validate_mail_sender("alice").ok());
  for (const std::string bad : {"", "../x", "A", "-x", "a..b"}) {
    CAPTURE(bad);
    auto r = validate_mail_sender(bad);
    REQUIRE_FALSE(r.ok());
    CHECK(r.error().code == Errc::usage);
  }
}

TEST_CASE("names: group addresses") {
  CHECK(is_group_address("@all"));
  CHECK(is_group_address("@builders"));
  CHECK(is_group_address("@"));
  CHECK_FALSE(is_group_address(""));
  CHECK_FALSE(is_group_address("all"));
  CHECK_FALSE(is_group_address("a@b"));
}

TEST_CASE("names: quote_for_message escapes and shortens") {
  CHECK(quote_for_message("abc") == "'abc'");
  CHECK(quote_for_message("") == "''");
  CHECK(quote_for_message("a\x1b[2Jb") == "'a\\x1b[2Jb'");
  CHECK(quote_for_message("line\nnext") == "'line\\nnext'");
  CHECK(quote_for_message("abcdef", 3) == "'abc...'");
  CHECK(quote_for_message("abc", 3) == "'abc'");
  CHECK(quote_for_message(std::string(200, 'z')) == "'" + std::string(80, 'z') + "...'");
}
