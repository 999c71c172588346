#include <doctest/doctest.h>

#include <cstdint>
#include <string>
#include <vector>

#include <SQLiteCpp/SQLiteCpp.h>

#include "store_test_support.h"

using namespace drover;
using namespace drover::store;
using drover::test::StoreFixture;
using Ids = std::vector<std::int64_t>;

namespace {

MailMessage letter(const std::string& from, const std::string& to,
                   const std::string& type = "status", const std::string& created_at = "") {
  MailMessage m;
  m.from = from;
  m.to = to;
  m.subject = "from " + from;
  m.body = "body";
  m.type = type;
  m.created_at = created_at;
  return m;
}

std::int64_t send(Store& db, const MailMessage& m) {
  return test::must_write(db, [&](Tx& tx) { return tx.mail().insert(m); });
}

Ids ids_of(const std::vector<MailMessage>& v) {
  Ids out;
  for (const auto& m : v) out.push_back(m.id);
  return out;
}

// MailFilter built one field at a time (designated initializers trip -Wextra in g++ 12).
struct Filter {
  MailFilter f;
  Filter& to(const std::string& v) {
    f.to = v;
    return *this;
  }
  Filter& from(const std::string& v) {
    f.from = v;
    return *this;
  }
  Filter& unread() {
    f.unread_only = true;
    return *this;
  }
  Filter& type(const std::string& v) {
    f.type = v;
    return *this;
  }
  Filter& since(const std::string& v) {
    f.since = v;
    return *this;
  }
  Filter& limit(int v) {
    f.limit = v;
    return *this;
  }
};

Ids listed(Store& db, const Filter& filter) {
  const MailFilter& f = filter.f;
  return ids_of(test::must_read(db, [&](Tx& tx) { return tx.mail().list(f); }));
}

}  // namespace

TEST_CASE_FIXTURE(StoreFixture, "mail: insert and get round-trip every field") {
  MailMessage m = letter("alice", "bob", "merge_ready");
  m.subject = "Subject \xe2\x9c\x93";
  m.priority = "urgent";
  m.thread_id = 7;
  m.reply_to = 8;
  m.payload = R"({"branch":"main"})";
  m.created_at = "2026-05-05T05:05:05.555Z";
  auto id = send(*db, m);
  CHECK(id == 1);
  auto got = test::must_read(*db, [&](Tx& tx) { return tx.mail().get(id); });
  REQUIRE(got.has_value());
  CHECK(got->id == id);
  CHECK(got->from == "alice");
  CHECK(got->to == "bob");
  CHECK(got->subject == m.subject);
  CHECK(got->body == "body");
  CHECK(got->type == "merge_ready");
  CHECK(got->priority == "urgent");
  CHECK(got->thread_id == 7);
  CHECK(got->reply_to == 8);
  CHECK(got->payload == m.payload);
  CHECK(got->created_at == "2026-05-05T05:05:05.555Z");
  CHECK_FALSE(got->read_at.has_value());
  CHECK_FALSE(got->claimed_turn.has_value());
  CHECK_FALSE(test::must_read(*db, [](Tx& tx) { return tx.mail().get(999); }).has_value());
}

TEST_CASE_FIXTURE(StoreFixture, "mail: ids increase and created_at is assigned when empty") {
  auto a = send(*db, letter("x", "y"));
  auto b = send(*db, letter("x", "y"));
  CHECK(b == a + 1);
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.mail().max_id(); }) == b);
  auto got = test::must_read(*db, [&](Tx& tx) { return tx.mail().get(a); });
  REQUIRE(got.has_value());
  CHECK(got->created_at.size() == 24);
  CHECK(got->created_at.back() == 'Z');
  CHECK_FALSE(got->thread_id.has_value());
  CHECK_FALSE(got->payload.has_value());
}

TEST_CASE_FIXTURE(StoreFixture, "mail: bodies and subjects are stored byte for byte" *
                                    drover::test::sqlite_only()) {
  static const char raw[] = "nul\0inside\0\x1b[31m\xff\xfe\xc3(\r\n\xc2\x9b end";
  const std::string body(raw, sizeof raw - 1);
  REQUIRE(body.size() == 28);
  MailMessage m = letter("alice", "bob");
  m.body = body;
  m.subject = std::string("s\0\xff", 3);
  auto id = send(*db, m);
  auto got = test::must_read(*db, [&](Tx& tx) { return tx.mail().get(id); });
  REQUIRE(got.has_value());
  CHECK(got->body.size() == body.size());
  CHECK(got->body == body);
  CHECK(got->subject == m.subject);
  auto via_list = test::must_read(*db, [](Tx& tx) { return tx.mail().unread_for("bob"); });
  REQUIRE(via_list.size() == 1);
  CHECK(via_list[0].body == body);
}

TEST_CASE_FIXTURE(StoreFixture, "mail: list filters, newest first") {
  auto m1 = send(*db, letter("alice", "bob", "status", "2026-01-01T00:00:01.000Z"));
  auto m2 = send(*db, letter("carol", "bob", "question", "2026-01-01T00:00:02.000Z"));
  auto m3 = send(*db, letter("alice", "operator", "result", "2026-01-01T00:00:03.000Z"));
  auto m4 = send(*db, letter("bob", "alice", "status", "2026-01-01T00:00:04.000Z"));
  auto m5 = send(*db, letter("alice", "bob", "question", "2026-01-01T00:00:05.000Z"));
  test::must_write(*db, [&](Tx& tx) {
    tx.mail().mark_read(m2, "2026-01-02T00:00:00.000Z");
    return Unit{};
  });

  CHECK(listed(*db, Filter()) == Ids{m5, m4, m3, m2, m1});
  CHECK(listed(*db, Filter().to("bob")) == Ids{m5, m2, m1});
  CHECK(listed(*db, Filter().from("alice")) == Ids{m5, m3, m1});
  CHECK(listed(*db, Filter().to("bob").from("alice")) == Ids{m5, m1});
  CHECK(listed(*db, Filter().to("bob").unread()) == Ids{m5, m1});
  CHECK(listed(*db, Filter().unread()) == Ids{m5, m4, m3, m1});
  CHECK(listed(*db, Filter().type("question")) == Ids{m5, m2});
  CHECK(listed(*db, Filter().type("merged")).empty());
  CHECK(listed(*db, Filter().since("2026-01-01T00:00:03.000Z")) == Ids{m5, m4, m3});  // inclusive
  CHECK(listed(*db, Filter().since("2026-01-01T00:00:05.001Z")).empty());
  CHECK(listed(*db, Filter().to("nobody")).empty());
  CHECK(listed(*db, Filter().limit(2)) == Ids{m5, m4});
  CHECK(listed(*db, Filter().limit(1)) == Ids{m5});
  CHECK(listed(*db, Filter().to("bob").limit(2)) == Ids{m5, m2});
  CHECK(listed(*db, Filter().limit(0)) == Ids{m5, m4, m3, m2, m1});
}

TEST_CASE_FIXTURE(StoreFixture, "mail: the default limit is 100 and limit 0 lists everything") {
  test::must_write(*db, [](Tx& tx) {
    for (int i = 0; i < 130; ++i) tx.mail().insert(letter("a", "b"));
    return Unit{};
  });
  CHECK(MailFilter{}.limit == 100);
  auto hundred = listed(*db, Filter());
  REQUIRE(hundred.size() == 100);
  CHECK(hundred.front() == 130);
  CHECK(hundred.back() == 31);
  CHECK(listed(*db, Filter().limit(0)).size() == 130);
}

TEST_CASE_FIXTURE(StoreFixture, "mail: unread_for, mark_read and unread_count") {
  auto a = send(*db, letter("x", "bob"));
  send(*db, letter("x", "carol"));
  auto c = send(*db, letter("y", "bob"));
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.mail().unread_count("bob"); }) == 2);
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.mail().unread_count("nobody"); }) == 0);
  CHECK(ids_of(test::must_read(*db, [](Tx& tx) { return tx.mail().unread_for("bob"); })) ==
        Ids{a, c});
  test::must_write(*db, [&](Tx& tx) {
    tx.mail().mark_read(a, "2026-06-06T06:06:06.000Z");
    tx.mail().mark_read(a, "2027-01-01T00:00:00.000Z");  // the first read time stays
    return Unit{};
  });
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.mail().unread_count("bob"); }) == 1);
  CHECK(ids_of(test::must_read(*db, [](Tx& tx) { return tx.mail().unread_for("bob"); })) == Ids{c});
  auto got = test::must_read(*db, [&](Tx& tx) { return tx.mail().get(a); });
  CHECK(got->read_at == "2026-06-06T06:06:06.000Z");
}

TEST_CASE_FIXTURE(StoreFixture,
                  "mail: mark_read_unclaimed marks only unread mail no turn has claimed") {
  auto free_one = send(*db, letter("op", "w"));
  auto claimed = send(*db, letter("op", "w"));
  auto read = send(*db, letter("op", "w"));
  test::must_write(*db, [&](Tx& tx) {
    tx.mail().mark_read(read, "2026-01-01T00:00:00.000Z");
    tx.mail().claim_pending("w", 5);  // claims free_one and claimed
    return Unit{};
  });
  auto marked = [&](std::int64_t id, const char* ts) {
    return test::must_write(*db, [&](Tx& tx) { return tx.mail().mark_read_unclaimed(id, ts); });
  };
  auto read_at = [&](std::int64_t id) {
    return test::must_read(*db, [&](Tx& tx) { return tx.mail().get(id); })->read_at;
  };

  // Claimed by turn 5: left for that turn, which releases or marks it when it settles.
  CHECK_FALSE(marked(claimed, "2026-02-02T00:00:00.000Z"));
  CHECK_FALSE(marked(free_one, "2026-02-02T00:00:00.000Z"));
  CHECK(read_at(claimed) == std::nullopt);
  CHECK(read_at(free_one) == std::nullopt);
  // Already read: the first read time stays.
  CHECK_FALSE(marked(read, "2026-02-02T00:00:00.000Z"));
  CHECK(read_at(read) == "2026-01-01T00:00:00.000Z");

  // Turn 5 fails and releases its mail: now a reader may mark it.
  test::must_write(*db, [](Tx& tx) { return tx.mail().release_turn(5); });
  CHECK(marked(free_one, "2026-03-03T00:00:00.000Z"));
  CHECK(read_at(free_one) == "2026-03-03T00:00:00.000Z");
  CHECK_FALSE(marked(free_one, "2026-04-04T00:00:00.000Z"));
  CHECK(read_at(free_one) == "2026-03-03T00:00:00.000Z");
  CHECK_FALSE(marked(12345, "2026-03-03T00:00:00.000Z"));  // no such message
}

TEST_CASE_FIXTURE(StoreFixture, "mail: claim, mark read on a clean turn, release otherwise") {
  auto m1 = send(*db, letter("op", "w"));
  auto m2 = send(*db, letter("op", "w"));
  auto other = send(*db, letter("op", "someone-else"));
  auto already_read = send(*db, letter("op", "w"));
  test::must_write(*db, [&](Tx& tx) {
    tx.mail().mark_read(already_read, "2026-01-01T00:00:00.000Z");
    return Unit{};
  });

  // Turn 10 claims both unread messages for w, nothing else.
  CHECK(test::must_write(*db, [](Tx& tx) { return tx.mail().claim_pending("w", 10); }) == 2);
  CHECK(ids_of(test::must_read(*db, [](Tx& tx) { return tx.mail().claimed_by(10); })) ==
        Ids{m1, m2});
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.mail().pending_for("w"); }).empty());
  CHECK(test::must_read(*db, [&](Tx& tx) { return tx.mail().get(other); })->claimed_turn ==
        std::nullopt);
  // Claimed mail is still unread.
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.mail().unread_count("w"); }) == 2);

  // Mail arriving during the turn is not claimed by it; a second claim takes only that.
  auto m3 = send(*db, letter("op", "w"));
  CHECK(ids_of(test::must_read(*db, [](Tx& tx) { return tx.mail().pending_for("w"); })) == Ids{m3});

  // The turn fails: its mail goes back to pending, in order with the new one.
  CHECK(test::must_write(*db, [](Tx& tx) { return tx.mail().release_turn(10); }) == 2);
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.mail().claimed_by(10); }).empty());
  CHECK(ids_of(test::must_read(*db, [](Tx& tx) { return tx.mail().pending_for("w"); })) ==
        Ids{m1, m2, m3});

  // Turn 11 claims all three and ends cleanly.
  CHECK(test::must_write(*db, [](Tx& tx) { return tx.mail().claim_pending("w", 11); }) == 3);
  CHECK(test::must_write(*db, [](Tx& tx) { return tx.mail().claim_pending("w", 12); }) == 0);
  CHECK(test::must_write(*db, [](Tx& tx) {
          return tx.mail().mark_turn_read(11, "2026-07-07T07:07:07.000Z");
        }) == 3);
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.mail().unread_count("w"); }) == 0);
  for (auto id : {m1, m2, m3}) {
    auto m = test::must_read(*db, [&](Tx& tx) { return tx.mail().get(id); });
    CHECK(m->read_at == "2026-07-07T07:07:07.000Z");
    CHECK(m->claimed_turn == 11);
  }
  // Releasing a turn whose mail was read changes nothing; read mail is not re-marked.
  CHECK(test::must_write(*db, [](Tx& tx) { return tx.mail().release_turn(11); }) == 0);
  CHECK(test::must_write(*db, [](Tx& tx) {
          return tx.mail().mark_turn_read(11, "2030-01-01T00:00:00.000Z");
        }) == 0);
  CHECK(test::must_read(*db, [&](Tx& tx) { return tx.mail().get(m1); })->read_at ==
        "2026-07-07T07:07:07.000Z");
  CHECK(test::must_write(*db, [](Tx& tx) { return tx.mail().release_turn(999); }) == 0);
}

TEST_CASE_FIXTURE(StoreFixture,
                  "mail: sent_since looks strictly after the mark, at the given types") {
  auto before = send(*db, letter("w", "lead", "worker_done"));
  auto mark = test::must_read(*db, [](Tx& tx) { return tx.mail().max_id(); });
  CHECK(mark == before);
  auto sent = [&](const std::vector<std::string>& types, std::int64_t after) {
    return test::must_read(*db, [&](Tx& tx) { return tx.mail().sent_since("w", types, after); });
  };
  const std::vector<std::string> terminal = {"worker_done", "result"};
  // Only mail from before the turn: not counted.
  CHECK_FALSE(sent(terminal, mark));
  CHECK(sent(terminal, mark - 1));

  send(*db, letter("w", "lead", "status"));       // wrong type
  send(*db, letter("other", "lead", "result"));   // wrong sender
  send(*db, letter("lead", "w", "worker_done"));  // sent to w, not by w
  CHECK_FALSE(sent(terminal, mark));
  auto done = send(*db, letter("w", "lead", "result"));
  CHECK(sent(terminal, mark));
  CHECK(sent({"result"}, done - 1));
  CHECK_FALSE(sent({"result"}, done));  // boundary: id > after_id
  CHECK_FALSE(sent({"merged", "merge_failed"}, 0));
  CHECK_FALSE(sent({}, 0));  // no terminal types: never
}

TEST_CASE_FIXTURE(StoreFixture,
                  "mail: arrived_since counts unread, unclaimed mail after the mark") {
  send(*db, letter("op", "w"));
  auto mark = test::must_read(*db, [](Tx& tx) { return tx.mail().max_id(); });
  auto arrived = [&](std::int64_t after) {
    return test::must_read(*db, [&](Tx& tx) { return tx.mail().arrived_since("w", after); });
  };
  CHECK(arrived(mark) == 0);
  CHECK(arrived(0) == 1);
  auto a = send(*db, letter("op", "w"));
  auto b = send(*db, letter("op", "w"));
  send(*db, letter("op", "not-w"));
  CHECK(arrived(mark) == 2);
  CHECK(arrived(a) == 1);
  CHECK(arrived(b) == 0);
  test::must_write(*db, [&](Tx& tx) {
    tx.mail().mark_read(a, "2026-01-01T00:00:00.000Z");
    return Unit{};
  });
  CHECK(arrived(mark) == 1);
  test::must_write(*db, [](Tx& tx) { return tx.mail().claim_pending("w", 5); });
  CHECK(arrived(mark) == 0);
}

TEST_CASE_FIXTURE(StoreFixture, "mail: live mail is claimed into a running turn, and released") {
  auto queued = send(*db, letter("op", "w"));  // next turn only
  MailMessage l1 = letter("op", "w", "nudge");
  l1.delivery = Delivery::live;
  auto live1 = send(*db, l1);
  MailMessage l2 = letter("op", "w", "nudge");
  l2.delivery = Delivery::interrupt;
  auto live2 = send(*db, l2);
  MailMessage elsewhere = letter("op", "v", "nudge");
  elsewhere.delivery = Delivery::live;
  auto other = send(*db, elsewhere);
  CHECK(test::must_read(*db, [&](Tx& tx) { return tx.mail().get(live2); })->delivery ==
        Delivery::interrupt);
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.mail().agents_with_live_mail(); }) ==
        std::vector<std::string>{"v", "w"});

  auto claimed = test::must_write(*db, [](Tx& tx) { return tx.mail().claim_live("w", 7); });
  CHECK(ids_of(claimed) == Ids{live1, live2});
  CHECK(claimed[0].claimed_turn == 7);
  // The queued message waits for the next turn; w has no live mail left.
  CHECK(ids_of(test::must_read(*db, [](Tx& tx) { return tx.mail().pending_for("w"); })) ==
        Ids{queued});
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.mail().agents_with_live_mail(); }) ==
        std::vector<std::string>{"v"});
  CHECK(test::must_write(*db, [](Tx& tx) { return tx.mail().claim_live("w", 7); }).empty());

  // Unanswered: released by id, whatever else the turn holds.
  test::must_write(*db, [](Tx& tx) { return tx.mail().claim_pending("w", 7); });
  CHECK(test::must_write(*db, [&](Tx& tx) { return tx.mail().release({live2}); }) == 1);
  CHECK(ids_of(test::must_read(*db, [](Tx& tx) { return tx.mail().claimed_by(7); })) ==
        Ids{queued, live1});
  CHECK(ids_of(test::must_read(*db, [](Tx& tx) { return tx.mail().pending_for("w"); })) ==
        Ids{live2});
  (void)other;
}

TEST_CASE_FIXTURE(StoreFixture, "mail: finding live mail reads the partial index, not the table" *
                                    drover::test::sqlite_only()) {
  auto plan_of = [&](const std::string& sql) { return test::query_plan(db_path, sql); };
  // The supervisor's question on every wake: only live mail nobody claimed is read.
  auto all = plan_of(
      "SELECT DISTINCT to_agent FROM messages WHERE live > 0 AND read_at IS NULL AND "
      "claimed_turn IS NULL");
  CAPTURE(all);
  CHECK(all.find("messages_live") != std::string::npos);
  // One agent's claim: a search by recipient (one of the two indexes that start with it).
  auto one = plan_of(
      "SELECT id FROM messages WHERE to_agent = 'w' AND live > 0 AND read_at IS NULL AND "
      "claimed_turn IS NULL ORDER BY id");
  CAPTURE(one);
  CHECK(one.find("SEARCH messages USING INDEX") != std::string::npos);
  CHECK(one.find("SCAN messages") == std::string::npos);
}
