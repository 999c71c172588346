#include "core/mail_listing.h"

#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "core/text.h"

namespace drover {

MailView view_of(const MailMessage& m) {
  MailView v;
  v.id = m.id;
  v.from = m.from;
  v.to = m.to;
  v.subject = m.subject;
  v.body = m.body;
  v.type = m.type;
  v.priority = m.priority;
  v.thread_id = m.thread_id;
  v.reply_to = m.reply_to;
  if (m.payload) v.payload = *m.payload;
  v.created_at = m.created_at;
  if (m.read_at) v.read_at = *m.read_at;
  return v;
}

void append_mail_header(std::string& out, const MailView& m) {
  out += '#';
  out += std::to_string(m.id);
  out += ' ';
  out += m.created_at;
  out += ' ';
  append_escaped_control(out, m.from);
  out += " -> ";
  append_escaped_control(out, m.to);
  out += " [";
  out += m.type;
  if (m.priority != "normal") {
    out += ", ";
    out += m.priority;
  }
  out += m.read_at ? "] " : "] (unread) ";
  append_escaped_control(out, m.subject);
}

namespace {

void write_payload(JsonWriter& w, std::string_view text) {
  auto doc = nlohmann::json::parse(text.begin(), text.end(), nullptr, false);
  if (doc.is_discarded()) {
    w.value(text);  // stored by an older tool: keep the text
    return;
  }
  int indent = w.indent() > 0 ? w.indent() : -1;  // nlohmann's dump(0) still breaks lines
  w.raw_indented(dump_json(doc, indent));
}

}  // namespace

void write_mail_json(JsonWriter& w, const MailView& m) {
  w.begin_object().member("body", m.body).member("created_at", m.created_at).member("from", m.from);
  w.member("id", m.id).key("payload");
  if (m.payload) write_payload(w, *m.payload);
  else w.null();
  w.member("priority", m.priority)
      .member("read_at", m.read_at)
      .member("reply_to", m.reply_to)
      .member("subject", m.subject)
      .member("thread_id", m.thread_id)
      .member("to", m.to)
      .member("type", m.type)
      .end_object();
}

}  // namespace drover
