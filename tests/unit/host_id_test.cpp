// A host's id (core/host_id.h): --host, then DROVER_HOST, then the hostname.
#include <doctest/doctest.h>

#include "core/host_id.h"

using namespace drover;

TEST_CASE("host id: the flag wins over the environment, which wins over the hostname") {
  CHECK(resolve_host_id(std::string("a"), std::string("b"), "c").value() == "a");
  CHECK(resolve_host_id(std::nullopt, std::string("b"), "c").value() == "b");
  CHECK(resolve_host_id(std::nullopt, std::string(""), "c").value() == "c");
  CHECK(resolve_host_id(std::nullopt, std::nullopt, "build-07.example.org").value() ==
        "build-07.example.org");
  // A hostname drover cannot use falls back rather than failing every command.
  CHECK(resolve_host_id(std::nullopt, std::nullopt, "").value() == "localhost");
}

TEST_CASE("host id: a bad flag or environment value is one line naming where it came from") {
  auto flag = resolve_host_id(std::string("a b"), std::nullopt, "c");
  REQUIRE_FALSE(flag.ok());
  CHECK(flag.error().code == Errc::usage);
  CHECK(flag.error().message.rfind("--host: invalid host id", 0) == 0);
  auto env = resolve_host_id(std::nullopt, std::string("-x"), "c");
  REQUIRE_FALSE(env.ok());
  CHECK(env.error().message.rfind("DROVER_HOST: ", 0) == 0);
  CHECK_FALSE(validate_host_id(std::string(64, 'a')).ok());
  CHECK(validate_host_id(std::string(63, 'a')).ok());
  CHECK_FALSE(validate_host_id("a/b").ok());
  CHECK(validate_host_id("A.b_c-9").ok());
}
