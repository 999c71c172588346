// core/mail_listing.h: a message's header line and JSON object, as the mail listings print
// them (the JSON must be the bytes the nlohmann documents printed before it streamed).
#include "core/mail_listing.h"

#include <doctest/doctest.h>

#include <nlohmann/json.hpp>

using namespace drover;

namespace {

MailMessage listed_message() {
  MailMessage m;
  m.id = 42;
  m.from = "alice";
  m.to = "bob";
  m.subject = "the \"plan\"\nfor today";
  m.body = "line one\nline two\ttabbed \xff bad byte";
  m.type = "question";
  m.priority = "high";
  m.created_at = "2026-12-01T10:00:00.000Z";
  return m;
}

// What message_json built with nlohmann before the listings streamed (keys in name order).
nlohmann::json dom_of(const MailMessage& m) {
  auto opt = [](const auto& v) -> nlohmann::json {
    if (v) return *v;
    return nullptr;
  };
  nlohmann::json payload = nullptr;
  if (m.payload) {
    payload = nlohmann::json::parse(*m.payload, nullptr, false);
    if (payload.is_discarded()) payload = *m.payload;
  }
  return {{"id", m.id},
          {"from", m.from},
          {"to", m.to},
          {"subject", m.subject},
          {"body", m.body},
          {"type", m.type},
          {"priority", m.priority},
          {"thread_id", opt(m.thread_id)},
          {"reply_to", opt(m.reply_to)},
          {"payload", payload},
          {"created_at", m.created_at},
          {"read_at", opt(m.read_at)}};
}

// The listing document {"messages": [m, m]} both ways.
void same_document(const MailMessage& m) {
  JsonWriter w;
  w.begin_object().key("messages").begin_array();
  write_mail_json(w, view_of(m));
  write_mail_json(w, view_of(m));
  w.end_array().end_object();
  nlohmann::json doc = {{"messages", {dom_of(m), dom_of(m)}}};
  CHECK(w.str() == doc.dump(2, ' ', false, nlohmann::json::error_handler_t::replace));
}

}  // namespace

TEST_CASE("write_mail_json: the same bytes as the nlohmann document, nulls and all") {
  same_document(listed_message());
}

TEST_CASE("write_mail_json: thread, reply, read time and a nested payload, laid out at depth") {
  MailMessage m = listed_message();
  m.thread_id = 7;
  m.reply_to = 41;
  m.read_at = "2026-12-01T10:05:00.000Z";
  m.payload = R"({"z":[1,2,{"deep":{"x":null}}],"a":"text","e":{},"l":[]})";
  same_document(m);
}

TEST_CASE("write_mail_json: a payload that is not JSON stays a string") {
  MailMessage m = listed_message();
  m.payload = "{not json";
  same_document(m);
  JsonWriter w(0);
  write_mail_json(w, view_of(m));
  CHECK(nlohmann::json::parse(w.str())["payload"] == "{not json");
}

TEST_CASE("write_mail_json: compact with indent 0, the payload too") {
  MailMessage m = listed_message();
  m.payload = R"({"b":1,"a":[true]})";
  JsonWriter w(0);
  write_mail_json(w, view_of(m));
  CHECK(w.str() == dom_of(m).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace));
}

TEST_CASE("append_mail_header: id, time, names, type, priority unless normal, unread, subject") {
  MailMessage m = listed_message();
  std::string out = "before ";
  append_mail_header(out, view_of(m));
  CHECK(out ==
        "before #42 2026-12-01T10:00:00.000Z alice -> bob [question, high] (unread) "
        "the \"plan\"\\nfor today");
  m.priority = "normal";
  m.read_at = "2026-12-01T10:05:00.000Z";
  m.from = "ev\x1b[31mil";
  out.clear();
  append_mail_header(out, view_of(m));
  CHECK(out ==
        "#42 2026-12-01T10:00:00.000Z ev\\x1b[31mil -> bob [question] "
        "the \"plan\"\\nfor today");
}
