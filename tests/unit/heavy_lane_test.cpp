// The lane for expensive loop steps (runner/heavy_lane.h): a due timer or a readable pipe
// waits behind at most one step, however many are queued.
#include "runner/heavy_lane.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <chrono>
#include <string>
#include <vector>

namespace asio = boost::asio;
using drover::runner::HeavyLane;

TEST_CASE("heavy lane: runs its steps one at a time, in the order pushed, never inside push") {
  asio::io_context io;
  HeavyLane lane(io);
  std::vector<int> order;
  for (int i = 0; i < 5; ++i) lane.push([&order, i] { order.push_back(i); });
  CHECK(order.empty());
  CHECK(lane.queued() == 5);
  io.run();
  CHECK(order == std::vector<int>{0, 1, 2, 3, 4});
  CHECK(lane.queued() == 0);
}

TEST_CASE("heavy lane: a step pushed by a step runs after it, still one per round") {
  asio::io_context io;
  HeavyLane lane(io);
  std::vector<std::string> order;
  lane.push([&] {
    order.push_back("a");
    lane.push([&] { order.push_back("c"); });
  });
  lane.push([&] { order.push_back("b"); });
  io.run();
  CHECK(order == std::vector<std::string>{"a", "b", "c"});
}

TEST_CASE("heavy lane: a timer that fell due during a step runs before the next step") {
  asio::io_context io;
  HeavyLane lane(io);
  asio::steady_timer timer(io);
  std::vector<std::string> order;
  lane.push([&] {
    order.push_back("step 1");
    timer.expires_after(std::chrono::milliseconds(1));
    timer.async_wait([&](boost::system::error_code ec) {
      if (!ec) order.push_back("timer");
    });
    // The step outlasts the timer, as a start that waits for exec does.
    while (std::chrono::steady_clock::now() < timer.expiry() + std::chrono::milliseconds(1)) {
    }
  });
  lane.push([&] { order.push_back("step 2"); });
  io.run();
  CHECK(order == std::vector<std::string>{"step 1", "timer", "step 2"});
}

TEST_CASE("heavy lane: a pipe that became readable during a step is read before the next step") {
  asio::io_context io;
  HeavyLane lane(io);
  int fds[2];
  REQUIRE(::pipe(fds) == 0);
  asio::posix::stream_descriptor reader(io, fds[0]);
  char byte = 0;
  std::vector<std::string> order;
  reader.async_wait(asio::posix::stream_descriptor::wait_read, [&](boost::system::error_code ec) {
    if (!ec && ::read(fds[0], &byte, 1) == 1) order.push_back("pipe");
  });
  lane.push([&] {
    order.push_back("step 1");
    REQUIRE(::write(fds[1], "x", 1) == 1);
  });
  lane.push([&] { order.push_back("step 2"); });
  lane.push([&] { order.push_back("step 3"); });
  io.run();
  ::close(fds[1]);
  CHECK(order == std::vector<std::string>{"step 1", "pipe", "step 2", "step 3"});
}
