#include <doctest/doctest.h>

#include <atomic>
#include <barrier>
#include <chrono>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include "store_test_support.h"

using namespace drover;
using namespace drover::store;
using drover::test::make_session;

namespace {

using SteadyClock = std::chrono::steady_clock;

struct Outcome {
  bool ok = false;
  std::optional<Errc> code;
  std::string message;
  SteadyClock::time_point began, ended;
};

Outcome attempt(Store& db, const std::string& name, SessionEvent event) {
  Outcome o;
  o.began = SteadyClock::now();
  auto r = db.write<SessionState>([&](Tx& tx) { return tx.sessions().transition(name, event); });
  o.ended = SteadyClock::now();
  o.ok = r.ok();
  if (!r.ok()) {
    o.code = r.error().code;
    o.message = r.error().message;
  }
  return o;
}

// Rounds in which the two attempts overlapped in time (the loser really waited).
int overlapping(const std::vector<std::vector<Outcome>>& rounds) {
  int n = 0;
  for (const auto& r : rounds)
    if (r[0].began < r[1].ended && r[1].began < r[0].ended) ++n;
  return n;
}

// Two connections (as two processes would have) race an event on each of `rounds` agents
// (named prefix + round); returns the outcomes per round and per racer.
//
// Ungated, both racers spin until both have arrived and then go (a std::barrier would let
// the last arriver run first). Gated, a third connection holds the write lock while both
// racers arrive and start their transactions, and releases it once both are on their way,
// so that both are waiting for the lock when it frees up.
std::vector<std::vector<Outcome>> race(const std::filesystem::path& db_path, int rounds,
                                       const std::string& prefix, SessionEvent event0,
                                       SessionEvent event1, bool gated) {
  std::vector<std::vector<Outcome>> out(static_cast<std::size_t>(rounds), std::vector<Outcome>(2));
  auto a = test::open_store(db_path, OpenMode::existing);
  auto b = test::open_store(db_path, OpenMode::existing);
  auto gate = test::open_store(db_path, OpenMode::existing);
  std::atomic<int> gate_closed{-1}, arrived{0}, done{0};
  auto wait_for = [](const std::atomic<int>& v, int at_least) {
    while (v.load() < at_least) std::this_thread::yield();
  };
  auto racer = [&](Store& db, int k, SessionEvent event) {
    for (int i = 0; i < rounds; ++i) {
      const std::string name = prefix + std::to_string(i);
      if (gated) wait_for(gate_closed, i);
      arrived.fetch_add(1);
      if (!gated) wait_for(arrived, 2 * (i + 1));
      out[static_cast<std::size_t>(i)][static_cast<std::size_t>(k)] = attempt(db, name, event);
      done.fetch_add(1);
    }
  };
  std::thread t0(racer, std::ref(*a), 0, event0);
  std::thread t1(racer, std::ref(*b), 1, event1);
  int gate_failures = 0;
  if (gated) {
    for (int i = 0; i < rounds; ++i) {
      auto held = gate->write<Unit>([&](Tx&) -> Status {
        gate_closed.store(i);
        wait_for(arrived, 2 * (i + 1));
        return ok_status();
      });
      if (!held.ok()) {  // never leave the racers waiting for a gate that did not close
        ++gate_failures;
        gate_closed.store(i);
      }
      wait_for(done, 2 * (i + 1));
    }
  }
  t0.join();
  t1.join();
  CHECK(gate_failures == 0);
  return out;
}

}  // namespace

TEST_CASE("concurrency: two writers race turn_started on a booting agent, exactly one wins") {
  bool gated = false;
  SUBCASE("both start at once") { gated = false; }
  SUBCASE("both wait for the write lock") { gated = true; }
  test::TempDir dir;
  const auto path = test::store_path(dir);
  constexpr int kRounds = 200;
  {
    auto setup = test::open_store(path, OpenMode::create);
    test::must_write(*setup, [&](Tx& tx) {
      for (int i = 0; i < kRounds; ++i) {
        auto r = tx.sessions().insert(make_session("racer-" + std::to_string(i)));
        if (!r.ok()) FAIL(r.error().message);
      }
      return Unit{};
    });
  }

  auto outcomes =
      race(path, kRounds, "racer-", SessionEvent::turn_started, SessionEvent::turn_started, gated);

  // Shown on failure: how many rounds really ran concurrently (nearly all when gated).
  INFO("rounds that overlapped: " << overlapping(outcomes) << " of " << kRounds);
  auto check = test::open_store(path, OpenMode::existing);
  int wins[2] = {0, 0};
  for (int i = 0; i < kRounds; ++i) {
    CAPTURE(i);
    const auto& round = outcomes[static_cast<std::size_t>(i)];
    CHECK(round[0].ok + round[1].ok == 1);
    for (int k = 0; k < 2; ++k) {
      if (round[static_cast<std::size_t>(k)].ok) {
        ++wins[k];
      } else {
        CHECK(round[static_cast<std::size_t>(k)].code == Errc::conflict);
        CHECK(round[static_cast<std::size_t>(k)].message.find("illegal transition") !=
              std::string::npos);
      }
    }
    auto s = test::get_session(*check, "racer-" + std::to_string(i));
    REQUIRE(s.has_value());
    CHECK(s->state == SessionState::in_turn);
  }
  CHECK(wins[0] + wins[1] == kRounds);
}

TEST_CASE("concurrency: stop races turn_completed on an in_turn agent, exactly one wins") {
  bool gated = false;
  SUBCASE("both start at once") { gated = false; }
  SUBCASE("both wait for the write lock") { gated = true; }
  test::TempDir dir;
  const auto path = test::store_path(dir);
  constexpr int kRounds = 100;
  {
    auto setup = test::open_store(path, OpenMode::create);
    test::must_write(*setup, [&](Tx& tx) {
      for (int i = 0; i < kRounds; ++i) {
        auto r =
            tx.sessions().insert(make_session("busy-" + std::to_string(i), SessionState::in_turn));
        if (!r.ok()) FAIL(r.error().message);
      }
      return Unit{};
    });
  }

  auto outcomes =
      race(path, kRounds, "busy-", SessionEvent::stop, SessionEvent::turn_completed, gated);

  auto check = test::open_store(path, OpenMode::existing);
  for (int i = 0; i < kRounds; ++i) {
    CAPTURE(i);
    const auto& round = outcomes[static_cast<std::size_t>(i)];
    REQUIRE(round[0].ok + round[1].ok == 1);
    const auto& loser = round[0].ok ? round[1] : round[0];
    CHECK(loser.code == Errc::conflict);
    auto s = test::get_session(*check, "busy-" + std::to_string(i));
    REQUIRE(s.has_value());
    // The final state is the winner's target, never a mix.
    CHECK(s->state == (round[0].ok ? SessionState::stopped : SessionState::completed));
  }
}

TEST_CASE("concurrency: many writers appending mail lose nothing") {
  test::TempDir dir;
  const auto path = test::store_path(dir);
  test::open_store(path, OpenMode::create);
  constexpr int kThreads = 4, kEach = 50;
  std::vector<int> failures(kThreads, 0);
  std::barrier start(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      auto r = Store::open(path, OpenMode::existing);
      if (!r.ok()) {
        failures[static_cast<std::size_t>(t)] = kEach;
        start.arrive_and_drop();
        return;
      }
      auto& db = **r;
      start.arrive_and_wait();
      for (int i = 0; i < kEach; ++i) {
        auto w = db.write<std::int64_t>([&](Tx& tx) -> Result<std::int64_t> {
          MailMessage m;
          m.from = "w" + std::to_string(t);
          m.to = "sink";
          m.subject = std::to_string(i);
          return tx.mail().insert(m);
        });
        if (!w.ok()) ++failures[static_cast<std::size_t>(t)];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) CHECK(failures[static_cast<std::size_t>(t)] == 0);
  auto db = test::open_store(path, OpenMode::existing);
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.mail().unread_count("sink"); }) ==
        kThreads * kEach);
}
