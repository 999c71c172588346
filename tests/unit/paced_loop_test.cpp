// supervisor/paced_loop.h: the supervisor's loop, paced while many turns stream.
#include "supervisor/paced_loop.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <array>
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <chrono>
#include <memory>
#include <thread>
#include <vector>

namespace asio = boost::asio;
using drover::supervisor::LoopRounds;
using drover::supervisor::run_paced;

namespace {

// `pipes` pipes read by the loop as a turn's stdout is; a thread writes `lines` bytes to
// them in turn, one every 100 µs. The loop ends when every byte was read.
struct Streams {
  static constexpr int kLines = 2000;
  asio::io_context io;
  std::vector<std::unique_ptr<asio::posix::stream_descriptor>> readers;
  std::vector<int> write_ends;
  std::array<char, 64> buf{};
  int read_bytes = 0;

  explicit Streams(int pipes) {
    for (int i = 0; i < pipes; ++i) {
      int fds[2];
      REQUIRE(::pipe(fds) == 0);
      readers.push_back(std::make_unique<asio::posix::stream_descriptor>(io, fds[0]));
      write_ends.push_back(fds[1]);
    }
    for (auto& r : readers) read(*r);
  }
  ~Streams() {
    for (int fd : write_ends) ::close(fd);
  }
  void read(asio::posix::stream_descriptor& r) {
    r.async_read_some(asio::buffer(buf), [this, &r](boost::system::error_code ec, std::size_t n) {
      if (ec) return;
      read_bytes += static_cast<int>(n);
      if (read_bytes == kLines) {
        for (auto& each : readers) each->close();
        return;
      }
      read(r);
    });
  }
  LoopRounds run(std::size_t running) {
    std::thread writer([this] {
      for (int i = 0; i < kLines; ++i) {
        (void)!::write(write_ends[static_cast<std::size_t>(i) % write_ends.size()], "x", 1);
        std::this_thread::sleep_for(std::chrono::microseconds(100));
      }
    });
    LoopRounds rounds = run_paced(io, [running] { return running; });
    writer.join();
    return rounds;
  }
};

}  // namespace

TEST_CASE(
    "paced loop: with many turns streaming, one wake-up serves many lines, and none is lost") {
  Streams s(32);
  LoopRounds r = s.run(32);
  CHECK(s.read_bytes == Streams::kLines);
  CHECK(r.paced > 0);
  // Unpaced, the loop woke about once per line; paced, a round begins every 5 ms at most,
  // and a line comes every 100 µs (every 1 ms on a slow machine would still pass).
  CHECK(r.rounds < Streams::kLines / 3);
}

TEST_CASE("paced loop: with a few turns running, the loop is never paced") {
  Streams s(4);
  LoopRounds r = s.run(4);
  CHECK(s.read_bytes == Streams::kLines);
  CHECK(r.paced == 0);
  CHECK(r.rounds > 0);
}

TEST_CASE("paced loop: below 16 running turns nothing streamed is held longer than for one") {
  using drover::supervisor::kPacedFromTurns;
  using drover::supervisor::write_holds;
  for (std::size_t n : {std::size_t{0}, std::size_t{1}, kPacedFromTurns - 1}) {
    CAPTURE(n);
    CHECK(write_holds(n).events == write_holds(1).events);
    CHECK(write_holds(n).transcript == drover::Millis(0));   // each read written at once
    CHECK(write_holds(n).activity == drover::Millis(2000));  // SPEC: every 2 s
  }
  for (std::size_t n : {kPacedFromTurns, std::size_t{1000}}) {
    CAPTURE(n);
    CHECK(write_holds(n).events > write_holds(1).events);
    CHECK(write_holds(n).transcript > drover::Millis(0));
    // Bounded: what a killed supervisor can lose, and how stale `drover log` can be.
    CHECK(write_holds(n).events <= drover::Millis(100));
    CHECK(write_holds(n).transcript <= drover::Millis(5000));
    CHECK(write_holds(n).activity > write_holds(1).activity);
    CHECK(write_holds(n).activity <= drover::Millis(10000));  // `status` ACTIVE stays fresh
  }
}

TEST_CASE(
    "paced loop: dead runners are searched for on every tick below 16 running turns, "
    "and at least every 5th tick above") {
  using drover::supervisor::kPacedFromTurns;
  using drover::supervisor::search_dead_runners;
  for (std::size_t tick = 0; tick < 20; ++tick) {
    CHECK(search_dead_runners(tick, 0));
    CHECK(search_dead_runners(tick, kPacedFromTurns - 1));
  }
  for (std::size_t running : {kPacedFromTurns, std::size_t{1000}}) {
    std::size_t searched = 0, gap = 0, longest = 0;
    for (std::size_t tick = 0; tick < 100; ++tick) {
      if (search_dead_runners(tick, running)) {
        ++searched;
        gap = 0;
      } else {
        longest = std::max(longest, ++gap);
      }
    }
    CAPTURE(running);
    CHECK(searched == 20);
    CHECK(longest == 4);
  }
}
