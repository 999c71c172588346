#pragma once
// The events of every running turn, written together (issue 18; docs/performance.md "One
// supervisor at scale"). A turn hands the batch what it parsed from one read of its pipes;
// the batch writes everything pending in ONE transaction, at most `every` after the first
// of it arrived, instead of one transaction per read per turn.
//
// Order: events land in the order they were added, per turn and overall.
// Durability (docs/decisions.md): what is still pending when the process dies is lost —
// at most `every` of the event log, which is a log. What a resume or a settle needs is
// never left pending: a runtime session id seen for the first time is written at once; a
// live-input claim calls flush() first; a turn's settle take()s what is pending and writes
// it first in its own transaction. So a turn's settle always lands after every event of
// that turn.
#include <boost/asio/steady_timer.hpp>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/duration.h"

namespace boost::asio {
class io_context;
}
namespace spdlog {
class logger;
}
namespace drover::store {
class Store;
class Tx;
}  // namespace drover::store

namespace drover::runner {

struct BatchedEvent {
  std::string kind, level, data;  // as the events table records them
};

class EventBatch {
 public:
  // every == 0: nothing waits, each add() is written at once (a foreground `drover turn`).
  EventBatch(boost::asio::io_context& io, store::Store& store, std::shared_ptr<spdlog::logger> log,
             Millis every);
  EventBatch(const EventBatch&) = delete;
  EventBatch& operator=(const EventBatch&) = delete;
  ~EventBatch();  // writes what is pending

  // What one read of a turn's pipes produced: its events, the runtime's session id when it
  // was first seen (written at once, with everything pending before it), and the session's
  // new last_activity timestamp.
  void add(const std::string& agent, std::int64_t turn, std::vector<BatchedEvent> events,
           std::optional<std::string> session_id = std::nullopt,
           std::optional<std::string> activity = std::nullopt);
  // Writes everything pending now, in one transaction; false if that failed (it is logged
  // and the pending events are dropped, as a single failed write dropped them before).
  bool flush();
  // From the next add() on, pending events wait at most `every` (0: none wait).
  void set_every(Millis every) { every_ = every; }

  struct Entry {
    std::string agent;
    std::int64_t turn = 0;
    std::vector<BatchedEvent> events;
    std::optional<std::string> session_id, activity;
  };
  // Everything pending, taken out to be written first in another transaction (a turn's
  // settle: one transaction instead of two, same order). When that transaction failed,
  // put_back() returns it ahead of anything added since, for flush() to write.
  struct Pending {
    std::vector<Entry> entries;
    std::size_t events = 0;
  };
  Pending take();
  static void write_into(store::Tx& tx, const Pending& p);
  void put_back(Pending p);

  std::size_t pending_events() const { return pending_events_; }
  std::int64_t transactions() const { return transactions_; }  // written so far

 private:
  store::Store& store_;
  std::shared_ptr<spdlog::logger> log_;
  Millis every_;
  boost::asio::steady_timer timer_;
  bool armed_ = false;
  std::vector<Entry> pending_;
  std::size_t pending_events_ = 0;
  std::int64_t transactions_ = 0;
};

}  // namespace drover::runner
