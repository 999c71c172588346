#pragma once
// Wake-ups between hosts (docs/hosts.md): on a PostgreSQL store, a commit by any process —
// another host's `mail send`, `nudge`, `sling` or settle — wakes the supervisor through
// LISTEN/NOTIFY (store/commit_watch.h) instead of waiting for its poll tick. The wake-ups
// are coalesced: at most one call of `on_commit` per `every`, so the supervisor's own
// commits (a settle, a batch of events) cannot keep it busy. On SQLite it does nothing:
// commands on the machine poke the supervisor's socket, and the poll finds the rest.
#include <boost/asio/io_context.hpp>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/steady_timer.hpp>
#include <functional>
#include <memory>

#include "core/clock.h"
#include "core/duration.h"

namespace drover::store {
class CommitWatch;
class Store;
}  // namespace drover::store

namespace drover::supervisor {

class StoreWake {
 public:
  StoreWake(boost::asio::io_context& io, Millis every, std::function<void()> on_commit);
  ~StoreWake();
  // Starts listening on `store` (PostgreSQL only); false when it does not (SQLite, or the
  // server refused the LISTEN: the poll still finds every change).
  bool start(const store::Store& store);
  void stop();

 private:
  void await();
  boost::asio::io_context& io_;
  Millis every_;
  std::function<void()> on_commit_;
  std::unique_ptr<store::CommitWatch> watch_;
  std::unique_ptr<boost::asio::posix::stream_descriptor> socket_;  // libpq's; not closed here
  boost::asio::steady_timer hold_;
  bool holding_ = false;  // a wake-up went out less than `every` ago
  bool missed_ = false;   // and a commit came since
};

}  // namespace drover::supervisor
