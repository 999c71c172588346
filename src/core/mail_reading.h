#pragma once
// Who may mark a message read when someone reads it from the shell (`mail check`, `mail
// read`; SPEC §4, §6.6). A message is input to its recipient's next turn until it is read,
// so reading is a peek unless the reader is the recipient, or the operator asked to mark
// it read on the recipient's behalf (--mark-read). Mail claimed by a turn belongs to that
// turn: only the turn's settle marks it read (clean result) or releases it, whoever asks.
#include <string_view>

#include "core/mail.h"

namespace drover {

enum class ReadMark {
  mark,           // mark it read now
  already_read,   // nothing to do
  left_for_turn,  // claimed by a turn that has not settled: that turn decides
  peek,           // another agent's mail, and marking for it was not asked for
};

// `reader` is who runs the command ($DROVER_AGENT, else operator); `for_recipient` is
// --mark-read (mark another agent's mail read on its behalf).
ReadMark read_mark(const MailMessage& m, std::string_view reader, bool for_recipient);

}  // namespace drover
