#pragma once
// Live input (docs/steering.md "Live nudge"): what a turn's runner writes on the stdin of a
// runtime that reads further stream-json messages while it works, and when it closes it.
// Pure: the runner (runner/turn_run.cpp) does the writing.
//
// The rules, from the real Claude Code CLI (fixtures/transcripts/README.md): it answers
// messages in order and answers everything written before EOF before it exits. So after
// each `result` the runner writes the live mail that is pending, or closes stdin when there
// is none. Each result answers the oldest message not yet answered; a turn that ends with
// messages unanswered releases their mail for the next turn instead of marking it read.
// (The CLI may answer several messages queued together with one result: their mail is then
// delivered again at the next turn — at least once, never lost.)
#include <cstdint>
#include <deque>
#include <string>
#include <string_view>
#include <vector>

#include "core/config.h"
#include "core/mail.h"

namespace drover {

// How `drover nudge` delivers to an agent on runtime `rt` (nullptr: not configured):
// queue: --queue; interrupt: --interrupt. `note` says why a wish could not be met
// (empty when it could), e.g. a runtime without live input.
struct NudgeDelivery {
  Delivery delivery = Delivery::next_turn;
  std::string note;
};
NudgeDelivery choose_delivery(const std::string& runtime_name, const RuntimeConfig* rt, bool queue,
                              bool interrupt);

// {"type":"control_request","request_id":ID,"request":{"subtype":"interrupt"}} and "\n".
std::string interrupt_request_line(std::string_view request_id);

class LiveInput {
 public:
  // live: the runtime declared live_input; otherwise stdin closes after the first message.
  explicit LiveInput(bool live) : live_(live) {}

  bool live() const { return live_; }
  // Whether further messages may still be written (live, and stdin not closed).
  bool open() const { return live_ && !closed_; }

  // A message carrying `mail` was written (the turn's first message carries none here:
  // its mail is the turn's own).
  void wrote(const std::vector<std::int64_t>& mail);
  // A `result` arrived: it answers the oldest message written and not yet answered.
  void answered();
  // Writing failed (the runtime closed its stdin): `mail` never reached it, and no later
  // result can answer it. Stdin counts as closed.
  void lost(const std::vector<std::int64_t>& mail);
  // After a result, with `pending` live mail waiting or not: close stdin now?
  bool close_after_result(bool pending) const { return open() && !pending; }
  void closed() { closed_ = true; }

  // Live mail to release, not mark read, if the turn ends now: in messages not answered,
  // or lost.
  std::vector<std::int64_t> to_release() const;
  int messages_written() const { return written_; }
  int results() const { return results_; }

 private:
  bool live_;
  bool closed_ = false;
  int written_ = 0, results_ = 0;
  std::deque<std::vector<std::int64_t>> unanswered_;  // per message, oldest first
  std::vector<std::int64_t> lost_;
};

}  // namespace drover
