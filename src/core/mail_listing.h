#pragma once
// How a listing shows one message (`mail list`, `mail check`, `mail read`, `status AGENT`):
// its header line for people and its JSON object (SPEC §6 mail shape). Pure.
//
// Both read a MailView: the message's fields in place, either a MailMessage's or a
// database row's while the row is current (store::Mail::for_each), so a listing of any
// length formats each row without copying it first.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/json_writer.h"
#include "core/mail.h"

namespace drover {

struct MailView {
  std::int64_t id = 0;
  std::string_view from, to, subject, body, type, priority;
  std::optional<std::int64_t> thread_id, reply_to;
  std::optional<std::string_view> payload;  // JSON text
  std::string_view created_at;
  std::optional<std::string_view> read_at;
};

MailView view_of(const MailMessage& m);

// "#<id> <created_at> <from> -> <to> [<type>[, <priority> unless normal]][ (unread)]
// <subject>", appended to `out`; the names and the subject with control characters escaped.
void append_mail_header(std::string& out, const MailView& m);

// The message as one JSON object, members in name order (as the documents built with
// nlohmann print them): body, created_at, from, id, payload, priority, read_at, reply_to,
// subject, thread_id, to, type. The payload is parsed back to JSON and printed in that
// layout too; a payload that is not JSON (stored by an older tool) is kept as a string.
void write_mail_json(JsonWriter& w, const MailView& m);

}  // namespace drover
