#include <doctest/doctest.h>

#include <optional>
#include <string>
#include <vector>

#include "core/addressing.h"

using namespace drover;
using Names = std::vector<std::string>;

namespace {

Session agent(const std::string& name, const std::string& capability,
              SessionState state = SessionState::between_turns) {
  Session s;
  s.name = name;
  s.capability = capability;
  s.runtime = "claude";
  s.state = state;
  return s;
}

// The live (non-terminal) sessions, in the order the store lists them.
const std::vector<Session> kLive = {
    agent("lead", "lead", SessionState::in_turn),
    agent("b1", "builder", SessionState::booting),
    agent("b2", "builder", SessionState::in_turn),
    agent("scout", "scout"),
    agent("b3", "builder"),
};

Names resolve_ok(const std::string& to, const std::string& sender,
                 const std::optional<Session>& direct = std::nullopt,
                 const std::vector<Session>& live = kLive) {
  CAPTURE(to);
  CAPTURE(sender);
  auto r = resolve_recipients(to, sender, live, direct);
  if (!r.ok()) FAIL_CHECK(r.error().message);
  REQUIRE(r.ok());
  return *r;
}

Error resolve_err(const std::string& to, const std::string& sender,
                  const std::optional<Session>& direct = std::nullopt,
                  const std::vector<Session>& live = kLive) {
  CAPTURE(to);
  auto r = resolve_recipients(to, sender, live, direct);
  REQUIRE_FALSE(r.ok());
  return r.error();
}

}  // namespace

TEST_CASE("addressing: @all reaches every live agent but the sender") {
  CHECK(resolve_ok("@all", "operator") == Names{"lead", "b1", "b2", "scout", "b3"});
  CHECK(resolve_ok("@all", "b2") == Names{"lead", "b1", "scout", "b3"});
  CHECK(resolve_ok("@all", "lead") == Names{"b1", "b2", "scout", "b3"});
  CHECK(resolve_ok("@all", "supervisor") == Names{"lead", "b1", "b2", "scout", "b3"});
}

TEST_CASE("addressing: @builder and @builders match capability builder") {
  CHECK(resolve_ok("@builder", "operator") == Names{"b1", "b2", "b3"});
  CHECK(resolve_ok("@builders", "operator") == Names{"b1", "b2", "b3"});
  CHECK(resolve_ok("@builders", "b1") == Names{"b2", "b3"});
  CHECK(resolve_ok("@builder", "b3") == Names{"b1", "b2"});
  CHECK(resolve_ok("@scout", "lead") == Names{"scout"});
  CHECK(resolve_ok("@scouts", "lead") == Names{"scout"});
  CHECK(resolve_ok("@leads", "scout") == Names{"lead"});
  // Matching is on capability, not on the agent's name.
  auto named_like_cap = resolve_ok("@builder", "operator", std::nullopt,
                                   {agent("builder", "scout"), agent("x", "builder")});
  CHECK(named_like_cap == Names{"x"});
}

TEST_CASE("addressing: a capability whose name ends in s") {
  const std::vector<Session> live = {agent("o1", "ops"), agent("o2", "op")};
  CHECK(resolve_ok("@ops", "operator", std::nullopt, live) == Names{"o1", "o2"});
  CHECK(resolve_ok("@op", "operator", std::nullopt, live) == Names{"o2"});
}

TEST_CASE("addressing: zero recipients is not_found") {
  for (const std::string to : {"@reviewer", "@reviewers", "@merger", "@builderss", "@Builder"}) {
    auto e = resolve_err(to, "operator");
    CHECK(e.code == Errc::not_found);
    CHECK(e.message.find(to) != std::string::npos);
  }
  // The only match is the sender itself.
  CHECK(resolve_err("@scouts", "scout").code == Errc::not_found);
  CHECK(resolve_err("@lead", "lead").code == Errc::not_found);
  // Nobody alive at all.
  CHECK(resolve_err("@all", "operator", std::nullopt, {}).code == Errc::not_found);
  CHECK(resolve_err("@all", "solo", std::nullopt, {agent("solo", "builder")}).code ==
        Errc::not_found);
}

TEST_CASE("addressing: an empty group is a usage error") {
  auto e = resolve_err("@", "operator");
  CHECK(e.code == Errc::usage);
  CHECK(e.message.find("@all") != std::string::npos);
}

TEST_CASE("addressing: a direct live recipient, or a name with no session") {
  CHECK(resolve_ok("b1", "operator", agent("b1", "builder", SessionState::booting)) == Names{"b1"});
  CHECK(resolve_ok("lead", "b1", agent("lead", "lead", SessionState::in_turn)) == Names{"lead"});
  CHECK(resolve_ok("scout", "b1", agent("scout", "scout", SessionState::between_turns)) ==
        Names{"scout"});
  CHECK(resolve_ok("nobody-yet", "operator") == Names{"nobody-yet"});
  // A direct address does not exclude the sender: an agent may write to itself.
  CHECK(resolve_ok("b1", "b1", agent("b1", "builder")) == Names{"b1"});
}

TEST_CASE("addressing: a terminal direct recipient is a conflict suggesting drover resume") {
  for (auto state : {SessionState::completed, SessionState::stopped, SessionState::zombie,
                     SessionState::failed, SessionState::stale}) {
    CAPTURE(to_string(state));
    auto e = resolve_err("done", "operator", agent("done", "builder", state));
    CHECK(e.code == Errc::conflict);
    CHECK(e.message.find("drover resume done") != std::string::npos);
    CHECK(e.message.find(std::string(to_string(state))) != std::string::npos);
    CHECK(e.message.find("'done'") != std::string::npos);
  }
}

TEST_CASE("addressing: operator is a valid recipient") {
  CHECK(resolve_ok("operator", "b1") == Names{"operator"});
  CHECK(resolve_ok("operator", "operator") == Names{"operator"});
}

TEST_CASE("addressing: supervisor cannot receive mail") {
  auto e = resolve_err("supervisor", "b1");
  CHECK(e.code == Errc::usage);
  CHECK(e.message.find("supervisor") != std::string::npos);
}

TEST_CASE("addressing: a bad name is a usage error") {
  for (const std::string& to : std::vector<std::string>{"", "../x", "A B", "Bob", "-x", "a..b",
                                                        std::string(64, 'a'), "a\x1b"}) {
    CAPTURE(to);
    auto e = resolve_err(to, "operator");
    CHECK(e.code == Errc::usage);
    CHECK(e.message.find("a-z, 0-9") != std::string::npos);
  }
}
