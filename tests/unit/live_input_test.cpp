// core/live_input: what a turn's runner writes on a live-input runtime's stdin, and when
// it closes it (docs/steering.md "Live nudge").
#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

#include "core/live_input.h"

using namespace drover;
using Ids = std::vector<std::int64_t>;

TEST_CASE("live input: without live input stdin closes after the first message") {
  LiveInput li(false);
  CHECK_FALSE(li.live());
  CHECK_FALSE(li.open());
  CHECK_FALSE(li.close_after_result(false));  // closed already, nothing more to decide
}

TEST_CASE("live input: after a result, pending live mail keeps stdin open, none closes it") {
  LiveInput li(true);
  CHECK(li.open());
  li.wrote({});  // the turn's first message
  li.answered();
  CHECK_FALSE(li.close_after_result(true));
  CHECK(li.close_after_result(false));
  li.closed();
  CHECK_FALSE(li.open());
  CHECK(li.messages_written() == 1);
  CHECK(li.results() == 1);
}

TEST_CASE("live input: each result answers the oldest message, the rest is released") {
  LiveInput li(true);
  li.wrote({});
  li.wrote({7, 8});
  li.wrote({9});
  CHECK(li.to_release() == Ids{7, 8, 9});
  li.answered();  // the turn's own first message
  CHECK(li.to_release() == Ids{7, 8, 9});
  li.answered();
  CHECK(li.to_release() == Ids{9});
  li.answered();
  CHECK(li.to_release().empty());
  li.answered();  // a result with nothing outstanding changes nothing
  li.wrote({10});
  CHECK(li.to_release() == Ids{10});
}

TEST_CASE("live input: mail that could not be written is released even after a later result") {
  LiveInput li(true);
  li.wrote({});
  li.lost({11, 12});
  CHECK_FALSE(li.open());
  li.answered();  // the answer to the first message still arrives
  li.answered();
  CHECK(li.to_release() == Ids{11, 12});
}

TEST_CASE("live input: the interrupt request is Claude Code's stream-json control request") {
  auto line = interrupt_request_line("drover-3-1");
  REQUIRE(line.back() == '\n');
  auto j = nlohmann::json::parse(line);
  CHECK(j["type"] == "control_request");
  CHECK(j["request_id"] == "drover-3-1");
  CHECK(j["request"]["subtype"] == "interrupt");
}

TEST_CASE("live input: a nudge's delivery follows the runtime and the operator's flags") {
  RuntimeConfig live, plain, no_interrupt;
  live.live_input = live.live_interrupt = true;
  no_interrupt.live_input = true;
  CHECK(choose_delivery("claude", &live, false, false).delivery == Delivery::live);
  CHECK(choose_delivery("claude", &live, false, true).delivery == Delivery::interrupt);
  CHECK(choose_delivery("claude", &live, true, false).delivery == Delivery::next_turn);
  CHECK(choose_delivery("claude", &live, false, false).note.empty());
  // Without live input: the next turn; asking to interrupt says why it cannot.
  auto p = choose_delivery("plain", &plain, false, true);
  CHECK(p.delivery == Delivery::next_turn);
  CHECK(p.note.find("runtime 'plain' has no live input") != std::string::npos);
  CHECK(choose_delivery("plain", &plain, false, false).note.empty());
  CHECK(choose_delivery("gone", nullptr, false, false).delivery == Delivery::next_turn);
  // Live input without interrupts: it goes in after the current answer.
  auto n = choose_delivery("x", &no_interrupt, false, true);
  CHECK(n.delivery == Delivery::live);
  CHECK(n.note.find("takes no interrupt request") != std::string::npos);
}
