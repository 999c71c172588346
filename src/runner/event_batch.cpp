#include "runner/event_batch.h"

#include <spdlog/spdlog.h>

#include <boost/asio/io_context.hpp>
#include <iterator>

#include "core/clock.h"
#include "store/events.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::runner {

namespace {
// Beyond this many pending events the batch is written at once: bounded memory, and a
// transaction that stays short.
constexpr std::size_t kMaxPendingEvents = 2048;
}  // namespace

EventBatch::EventBatch(boost::asio::io_context& io, store::Store& store,
                       std::shared_ptr<spdlog::logger> log, Millis every)
    : store_(store), log_(std::move(log)), every_(every), timer_(io) {}

EventBatch::~EventBatch() { (void)flush(); }

void EventBatch::add(const std::string& agent, std::int64_t turn, std::vector<BatchedEvent> events,
                     std::optional<std::string> session_id, std::optional<std::string> activity) {
  if (events.empty() && !session_id && !activity) return;
  pending_events_ += events.size();
  bool now = session_id.has_value();
  pending_.push_back({agent, turn, std::move(events), std::move(session_id), std::move(activity)});
  if (now || every_.count() == 0 || pending_events_ >= kMaxPendingEvents) {
    (void)flush();
    return;
  }
  if (armed_) return;
  armed_ = true;
  timer_.expires_after(every_);
  timer_.async_wait([this](boost::system::error_code ec) {
    if (ec) return;
    armed_ = false;
    (void)flush();
  });
}

EventBatch::Pending EventBatch::take() {
  if (armed_) {
    timer_.cancel();
    armed_ = false;
  }
  Pending p{std::move(pending_), pending_events_};
  pending_.clear();
  pending_events_ = 0;
  return p;
}

void EventBatch::write_into(store::Tx& tx, const Pending& p) {
  const std::string written = now_timestamp();  // one stamp for the batch (docs/decisions.md)
  for (const auto& e : p.entries) {
    for (const auto& ev : e.events)
      tx.events().append(e.agent, e.turn, ev.kind, ev.level, ev.data, written);
    if (e.session_id) tx.sessions().set_runtime_session_id(e.agent, *e.session_id);
    if (e.activity) tx.sessions().set_activity(e.agent, *e.activity);
  }
}

void EventBatch::put_back(Pending p) {
  if (p.entries.empty()) return;
  p.entries.insert(p.entries.end(), std::make_move_iterator(pending_.begin()),
                   std::make_move_iterator(pending_.end()));
  pending_ = std::move(p.entries);
  pending_events_ += p.events;
}

bool EventBatch::flush() {
  Pending batch = take();
  if (batch.entries.empty()) return true;
  auto r = store_.write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    write_into(tx, batch);
    return Unit{};
  });
  ++transactions_;
  if (r) return true;
  const Entry& first = batch.entries.front();
  log_->error("{}: cannot record {} event(s) of turn {}{}: {}", first.agent, batch.events,
              first.turn,
              batch.entries.size() > 1
                  ? " and other turns' (" + std::to_string(batch.entries.size()) + " reads)"
                  : std::string(),
              r.error().message);
  return false;
}

}  // namespace drover::runner
