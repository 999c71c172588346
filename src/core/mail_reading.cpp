#include "core/mail_reading.h"

namespace drover {

ReadMark read_mark(const MailMessage& m, std::string_view reader, bool for_recipient) {
  if (m.read_at) return ReadMark::already_read;
  if (m.claimed_turn) return ReadMark::left_for_turn;
  if (m.to != reader && !for_recipient) return ReadMark::peek;
  return ReadMark::mark;
}

}  // namespace drover
