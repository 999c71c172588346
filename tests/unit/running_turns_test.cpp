// supervisor/running_turns.h: the supervisor's table of the turns it runs.
#include "supervisor/running_turns.h"

#include <doctest/doctest.h>

#include <vector>

using drover::runner::TurnHandle;
using drover::supervisor::RunningTurns;

namespace {

struct CountingTurn final : TurnHandle {
  explicit CountingTurn(std::string a) : name(std::move(a)) {}
  void interrupt(const std::string&) override { ++interrupts; }
  int deliver_live_mail() override { return 0; }
  std::int64_t turn_id() const override { return 7; }
  const std::string& agent() const override { return name; }
  void write_held_output() override {}
  std::string name;
  int interrupts = 0;
};

}  // namespace

TEST_CASE("running turns: agents, pids and lookup follow adds and erases") {
  RunningTurns t;
  CHECK(t.empty());
  auto bob = std::make_shared<CountingTurn>("bob");
  auto amy = std::make_shared<CountingTurn>("amy");
  t.add("bob", bob, 200);
  t.add("amy", amy, 100);
  CHECK(t.size() == 2);
  CHECK(t.agents() == std::set<std::string>{"amy", "bob"});
  CHECK(t.pids() == std::set<pid_t>{100, 200});
  REQUIRE(t.find("bob") != nullptr);
  t.find("bob")->interrupt("test");
  CHECK(bob->interrupts == 1);
  CHECK(t.find("carl") == nullptr);
  std::vector<std::string> order;
  t.each([&](const std::string& agent, TurnHandle&) { order.push_back(agent); });
  CHECK(order == std::vector<std::string>{"amy", "bob"});
  t.erase("bob");
  CHECK(t.find("bob") == nullptr);
  CHECK(t.pids() == std::set<pid_t>{100});
}
