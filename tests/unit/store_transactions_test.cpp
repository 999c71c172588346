#include <doctest/doctest.h>

#include <stdexcept>
#include <string>

#include "store_test_support.h"

using namespace drover;
using namespace drover::store;
using drover::test::make_session;
using drover::test::StoreFixture;

namespace {

bool exists(Store& db, const std::string& name) { return test::get_session(db, name).has_value(); }

}  // namespace

TEST_CASE_FIXTURE(StoreFixture, "transactions: a body that returns ok commits") {
  auto r = db->write<int>([](Tx& tx) -> Result<int> {
    auto s = tx.sessions().insert(make_session("kept"));
    if (!s.ok()) return s.error();
    return 42;
  });
  REQUIRE(r.ok());
  CHECK(*r == 42);
  CHECK(exists(*db, "kept"));
  // Visible to another connection too.
  auto other = test::open_store(db_path, OpenMode::existing);
  CHECK(exists(*other, "kept"));
}

TEST_CASE_FIXTURE(StoreFixture, "transactions: a body that returns an error rolls back") {
  auto r = db->write<Unit>([](Tx& tx) -> Status {
    auto s = tx.sessions().insert(make_session("ghost"));
    if (!s.ok()) return s.error();
    MailMessage m;
    m.from = "operator";
    m.to = "ghost";
    tx.mail().insert(m);
    CHECK(tx.sessions().get("ghost").has_value());  // visible inside the transaction
    return make_error(Errc::conflict, "changed my mind");
  });
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::conflict);
  CHECK(r.error().message == "changed my mind");
  CHECK_FALSE(exists(*db, "ghost"));
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.mail().max_id(); }) == 0);
}

TEST_CASE_FIXTURE(StoreFixture,
                  "transactions: a SQLite error inside the body is failed and rolls back") {
  auto r = db->write<Unit>([](Tx& tx) -> Status {
    auto s = tx.sessions().insert(make_session("half"));
    if (!s.ok()) return s.error();
    // The events table only accepts debug|info|warn|error: SQLite throws here.
    tx.events().add("half", std::nullopt, "oops", "bogus-level", "{}");
    return ok_status();
  });
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::failed);
  CHECK(r.error().message.find(db_path.string()) != std::string::npos);
  std::string lower = r.error().message;
  for (auto& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  CHECK(lower.find("check constraint") != std::string::npos);  // SQLite's or PostgreSQL's
  CHECK_FALSE(exists(*db, "half"));
  CHECK(test::must_read(*db, [](Tx& tx) { return tx.events().count("half", "oops"); }) == 0);

  // The store is still usable afterwards.
  test::insert_session(*db, make_session("after"));
  CHECK(exists(*db, "after"));
}

TEST_CASE_FIXTURE(StoreFixture,
                  "transactions: any exception inside the body is failed and rolls back") {
  auto r = db->write<Unit>([](Tx& tx) -> Status {
    auto s = tx.sessions().insert(make_session("thrower"));
    if (!s.ok()) return s.error();
    throw std::runtime_error("boom");
  });
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::failed);
  CHECK(r.error().message.find("boom") != std::string::npos);
  CHECK_FALSE(exists(*db, "thrower"));
}

TEST_CASE_FIXTURE(
    StoreFixture,
    "transactions: inserting the same session twice is a conflict, not an exception") {
  test::insert_session(*db, make_session("dup"));
  auto r = db->write<Unit>([](Tx& tx) -> Status {
    auto first = tx.sessions().insert(make_session("other"));
    if (!first.ok()) return first.error();
    return tx.sessions().insert(make_session("dup", SessionState::in_turn));
  });
  REQUIRE_FALSE(r.ok());
  CHECK(r.error().code == Errc::conflict);
  CHECK(r.error().message.find("'dup' already exists") != std::string::npos);
  CHECK(r.error().message.find("booting") != std::string::npos);
  CHECK_FALSE(exists(*db, "other"));  // rolled back with the failed insert
  CHECK(test::get_session(*db, "dup")->state == SessionState::booting);
}

TEST_CASE_FIXTURE(StoreFixture, "transactions: read() returns values and errors") {
  test::insert_session(*db, make_session("reader"));
  auto name = db->read<std::string>([](Tx& tx) -> Result<std::string> {
    auto s = tx.sessions().get("reader");
    if (!s) return make_error(Errc::not_found, "no reader");
    return s->name;
  });
  REQUIRE(name.ok());
  CHECK(*name == "reader");

  auto missing = db->read<Unit>([](Tx&) -> Status { return make_error(Errc::not_found, "nope"); });
  REQUIRE_FALSE(missing.ok());
  CHECK(missing.error().code == Errc::not_found);

  auto thrown = db->read<Unit>([](Tx& tx) -> Status {
    tx.events().add("x", std::nullopt, "k", "bad", "{}");
    return ok_status();
  });
  REQUIRE_FALSE(thrown.ok());
  CHECK(thrown.error().code == Errc::failed);
  // The store keeps working after a failed read.
  CHECK(exists(*db, "reader"));
}

TEST_CASE_FIXTURE(StoreFixture, "transactions: a reader does not see an uncommitted write") {
  auto other = test::open_store(db_path, OpenMode::existing);
  auto r = db->write<Unit>([&](Tx& tx) -> Status {
    auto s = tx.sessions().insert(make_session("pending"));
    if (!s.ok()) return s.error();
    // WAL: the other connection reads the last committed snapshot without waiting.
    CHECK_FALSE(exists(*other, "pending"));
    return ok_status();
  });
  REQUIRE(r.ok());
  CHECK(exists(*other, "pending"));
}

TEST_CASE_FIXTURE(StoreFixture, "transactions: a body can be retried after an error") {
  for (int i = 0; i < 3; ++i) {
    auto r = db->write<Unit>([](Tx&) -> Status { return make_error(Errc::failed, "again"); });
    CHECK_FALSE(r.ok());
  }
  test::insert_session(*db, make_session("finally"));
  CHECK(exists(*db, "finally"));
}
