#include <doctest/doctest.h>

#include "core/mail_reading.h"

using namespace drover;

namespace {

MailMessage mail_to(const std::string& to) {
  MailMessage m;
  m.id = 7;
  m.from = "lead";
  m.to = to;
  return m;
}

}  // namespace

TEST_CASE("mail reading: the recipient marks its unclaimed mail read, flag or not") {
  for (bool flag : {false, true}) {
    CHECK(read_mark(mail_to("alice"), "alice", flag) == ReadMark::mark);
    CHECK(read_mark(mail_to("operator"), "operator", flag) == ReadMark::mark);
  }
}

TEST_CASE("mail reading: another agent's mail is a peek unless marking for it was asked for") {
  CHECK(read_mark(mail_to("alice"), "operator", false) == ReadMark::peek);
  CHECK(read_mark(mail_to("alice"), "bob", false) == ReadMark::peek);
  CHECK(read_mark(mail_to("operator"), "alice", false) == ReadMark::peek);
  CHECK(read_mark(mail_to("alice"), "operator", true) == ReadMark::mark);
  CHECK(read_mark(mail_to("alice"), "bob", true) == ReadMark::mark);
}

TEST_CASE("mail reading: mail claimed by a turn is left for that turn, whoever reads it") {
  auto m = mail_to("alice");
  m.claimed_turn = 12;
  for (bool flag : {false, true})
    for (const char* reader : {"alice", "operator", "bob"}) {
      CAPTURE(reader);
      CAPTURE(flag);
      CHECK(read_mark(m, reader, flag) == ReadMark::left_for_turn);
    }
}

TEST_CASE("mail reading: read mail stays as it is, claimed or not") {
  auto m = mail_to("alice");
  m.read_at = "2026-01-01T00:00:00.000Z";
  CHECK(read_mark(m, "alice", false) == ReadMark::already_read);
  CHECK(read_mark(m, "operator", true) == ReadMark::already_read);
  m.claimed_turn = 3;  // read by the clean settle of turn 3
  CHECK(read_mark(m, "alice", false) == ReadMark::already_read);
  CHECK(read_mark(m, "operator", false) == ReadMark::already_read);
}
