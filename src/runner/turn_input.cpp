// The agent's stdin during a turn (runner/turn_run.h): the first message, then live input
// (core/live_input.h, docs/steering.md "Live nudge"), one write at a time, in order.
#include <spdlog/spdlog.h>

#include <boost/asio/write.hpp>
#include <nlohmann/json.hpp>

#include "core/pause.h"
#include "core/prompt.h"
#include "runner/turn_run.h"
#include "store/events.h"
#include "store/hosts.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/settings.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::runner {

namespace asio = boost::asio;

int TurnRun::deliver_live_mail() {
  if (!live_.open() || close_when_written_ || life_.phase() != TurnPhase::running) return 0;
  struct Claim {
    std::vector<MailMessage> mail;
    Session session;
  };
  auto claimed = ctx_.store->write<Claim>([&](store::Tx& tx) -> Result<Claim> {
    Claim c;
    auto s = tx.sessions().get(t_.agent);
    // Mail to a paused agent, or one being stopped, waits (docs/steering.md).
    if (!s || s->stop_requested || s->current_turn != t_.turn_id ||
        pause_blocks_start(*s, tx.settings().get(kEstopKey)))
      return c;
    // The fence (docs/hosts.md): a turn whose host lost the agent's lease takes no mail.
    if (auto row = tx.turns().get(t_.turn_id);
        row && tx.hosts().fenced(t_.agent, row->host, row->token))
      return c;
    c.session = *s;
    c.mail = tx.mail().claim_live(t_.agent, t_.turn_id);
    if (c.mail.empty()) return c;
    nlohmann::json ids = nlohmann::json::array();
    bool interrupt = false;
    for (const auto& m : c.mail) {
      ids.push_back(m.id);
      interrupt = interrupt || m.delivery == Delivery::interrupt;
    }
    interrupt = interrupt && t_.live_interrupt;
    tx.events().add(
        t_.agent, t_.turn_id, "live_input", "info",
        event_json({{"mail", ids},
                    {"interrupt", interrupt},
                    {"message", live_.messages_written() + 1 + static_cast<int>(writes_.size())}}));
    return c;
  });
  if (!claimed) {
    ctx_.log->error("{}: cannot claim live mail for turn {}: {}", t_.agent, t_.turn_id,
                    claimed.error().message);
    return 0;
  }
  if (claimed->mail.empty()) return 0;
  std::vector<std::int64_t> ids;
  bool interrupt = false;
  for (const auto& m : claimed->mail) {
    ids.push_back(m.id);
    interrupt = interrupt || m.delivery == Delivery::interrupt;
  }
  if (interrupt && t_.live_interrupt) {
    interrupt_outstanding_ = true;
    enqueue({interrupt_request_line("drover-" + std::to_string(t_.turn_id) + "-" +
                                    std::to_string(++interrupts_)),
             {},
             false});
  }
  std::string workdir = t_.session.worktree.value_or(ctx_.paths.root.string());
  PromptInput in{&claimed->session, &t_.capability, workdir, claimed->mail, false};
  enqueue({user_turn_line(render_turn_text(in)), std::move(ids)});
  ctx_.log->info("{}: {} message(s) written into turn {}{}", t_.agent, claimed->mail.size(),
                 t_.turn_id, interrupt && t_.live_interrupt ? " after an interrupt request" : "");
  return static_cast<int>(claimed->mail.size());
}

void TurnRun::enqueue(Input in) {
  writes_.push_back(std::move(in));
  pump();
}

// Writes the queue in order, one async_write at a time; closes stdin once it is empty
// and a close was asked for. A message counts as written when its write starts: the
// agent may read and answer it before this loop sees the write complete.
void TurnRun::pump() {
  if (writing_ || !in_.is_open()) return;
  if (writes_.empty()) {
    if (close_when_written_) close_input();
    else if (recheck_) input_idle();
    return;
  }
  writing_ = true;
  const Input& next = writes_.front();
  if (next.message) live_.wrote(next.mail);
  auto self = shared_from_this();
  asio::async_write(in_, asio::buffer(next.bytes),
                    [self](boost::system::error_code ec, std::size_t) {
                      self->writing_ = false;
                      if (ec) return self->input_failed();
                      self->writes_.pop_front();
                      self->pump();
                    });
}

void TurnRun::close_input() {
  boost::system::error_code ec;
  in_.close(ec);
  live_.closed();
}

// The agent stopped reading (EPIPE) or the turn is over: nothing queued reached it.
void TurnRun::input_failed() {
  std::vector<std::int64_t> lost;
  for (const auto& w : writes_) lost.insert(lost.end(), w.mail.begin(), w.mail.end());
  writes_.clear();
  live_.lost(lost);
  close_input();
}

// After results (core/live_input.h): once nothing is being written, the live mail
// waiting goes in, else stdin closes. The agent answers what it has already read.
void TurnRun::after_results() {
  if (!live_.open() || close_when_written_) return;
  if (writing_ || !writes_.empty()) {
    recheck_ = true;  // pump() decides once the queue is written
    return;
  }
  input_idle();
}

void TurnRun::input_idle() {
  recheck_ = false;
  if (deliver_live_mail() > 0) return;
  close_when_written_ = true;
  pump();
}

}  // namespace drover::runner
