// runner/event_batch.h: the events of several running turns wait together and are written
// in one transaction, in the order they came; what a resume or a settle needs is not left
// waiting.
#include "runner/event_batch.h"

#include <doctest/doctest.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <chrono>

#include "store/events.h"
#include "store/sessions.h"
#include "store_test_support.h"

using namespace drover;
using namespace drover::test;
using runner::BatchedEvent;
using runner::EventBatch;

namespace {

struct BatchFixture : StoreFixture {
  boost::asio::io_context io;
  std::shared_ptr<spdlog::logger> log =
      std::make_shared<spdlog::logger>("test", std::make_shared<spdlog::sinks::null_sink_st>());

  BatchFixture() {
    insert_session(*db, make_session("a", SessionState::in_turn));
    insert_session(*db, make_session("b", SessionState::in_turn));
  }
  // Every event so far as "agent/turn/kind", oldest first.
  std::vector<std::string> all() {
    std::vector<std::string> out;
    for (const auto& e : must_read(
             *db, [](store::Tx& tx) { return tx.events().feed(store::EventFilter{}, 0, 1000); }))
      out.push_back(e.agent + "/" + std::to_string(e.turn.value_or(0)) + "/" + e.kind);
    return out;
  }
};

std::vector<BatchedEvent> evs(std::initializer_list<const char*> kinds) {
  std::vector<BatchedEvent> out;
  for (const char* k : kinds) out.push_back({k, "info", "{}"});
  return out;
}

}  // namespace

TEST_CASE_FIXTURE(BatchFixture,
                  "event batch: reads of several turns land in one transaction, in order") {
  EventBatch batch(io, *db, log, Millis(10));
  batch.add("a", 1, evs({"a1", "a2"}));
  batch.add("b", 2, evs({"b1"}));
  batch.add("a", 1, evs({"a3"}), std::nullopt, "2026-12-05T01:02:03.000Z");
  CHECK(all().empty());  // waiting for the timer
  CHECK(batch.pending_events() == 4);
  io.run_for(std::chrono::seconds(10));  // returns once the timer has fired: nothing else waits
  CHECK(batch.transactions() == 1);
  CHECK(batch.pending_events() == 0);
  CHECK(all() == std::vector<std::string>{"a/1/a1", "a/1/a2", "b/2/b1", "a/1/a3"});
  CHECK(get_session(*db, "a")->last_activity == "2026-12-05T01:02:03.000Z");
}

TEST_CASE_FIXTURE(BatchFixture,
                  "event batch: a new session id is written at once, after what waited") {
  EventBatch batch(io, *db, log, Millis(3'600'000));
  batch.add("a", 1, evs({"a1"}));
  batch.add("b", 2, evs({"session_start"}), "sid-b");
  CHECK(batch.transactions() == 1);
  CHECK(all() == std::vector<std::string>{"a/1/a1", "b/2/session_start"});
  CHECK(get_session(*db, "b")->runtime_session_id == "sid-b");
}

TEST_CASE_FIXTURE(BatchFixture,
                  "event batch: flush() writes now (before a settle), and so does the end") {
  {
    EventBatch batch(io, *db, log, Millis(3'600'000));
    batch.add("a", 1, evs({"a1"}));
    CHECK(batch.flush());
    CHECK(all() == std::vector<std::string>{"a/1/a1"});
    CHECK(batch.flush());  // nothing pending: no transaction
    CHECK(batch.transactions() == 1);
    batch.add("b", 2, evs({"b1"}));
  }  // destroyed with b1 pending
  CHECK(all() == std::vector<std::string>{"a/1/a1", "b/2/b1"});
}

TEST_CASE_FIXTURE(BatchFixture, "event batch: without a wait every add is written at once") {
  EventBatch batch(io, *db, log, Millis(0));
  batch.add("a", 1, evs({"a1"}));
  batch.add("b", 2, evs({"b1"}));
  CHECK(batch.transactions() == 2);
  CHECK(all() == std::vector<std::string>{"a/1/a1", "b/2/b1"});
}

TEST_CASE_FIXTURE(BatchFixture,
                  "event batch: taken, the events are written by the caller's transaction") {
  EventBatch batch(io, *db, log, Millis(10));
  batch.add("a", 1, evs({"a1"}));
  batch.add("b", 2, evs({"b1"}), std::nullopt, "2026-12-05T01:02:03.000Z");
  auto pending = batch.take();
  CHECK(batch.pending_events() == 0);
  CHECK(pending.events == 2);
  must_write(*db, [&](store::Tx& tx) {
    EventBatch::write_into(tx, pending);
    return Unit{};
  });
  CHECK(all() == std::vector<std::string>{"a/1/a1", "b/2/b1"});
  CHECK(batch.transactions() == 0);
  CHECK(must_read(*db, [](store::Tx& tx) { return tx.sessions().get("b")->last_activity; }) ==
        "2026-12-05T01:02:03.000Z");
  io.run_for(std::chrono::milliseconds(50));  // the timer was cancelled: nothing more written
  CHECK(batch.transactions() == 0);
}

TEST_CASE_FIXTURE(BatchFixture,
                  "event batch: put back after a failed transaction, they go first at the flush") {
  EventBatch batch(io, *db, log, Millis(10));
  batch.add("a", 1, evs({"a1", "a2"}));
  auto pending = batch.take();
  batch.add("b", 2, evs({"b1"}));  // came after the take
  batch.put_back(std::move(pending));
  CHECK(batch.pending_events() == 3);
  REQUIRE(batch.flush());
  CHECK(batch.transactions() == 1);
  CHECK(all() == std::vector<std::string>{"a/1/a1", "a/1/a2", "b/2/b1"});
}
