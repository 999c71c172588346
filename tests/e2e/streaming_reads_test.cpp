// End-to-end: listings stream as they read (issue 18): `mail list --limit 0` over 100,000
// messages prints every one, as JSON and as text, in the memory of a small process.
//
// The bound (16 MiB) is twice the issue's target and three times what the streamed listing
// takes; building the whole listing first took over 300 MiB here. Skipped under the
// sanitizers, whose shadow memory is the larger part of any figure.
#include <doctest/doctest.h>

#include <cstdlib>
#include <sstream>

#include "support/command.h"
#include "support/database.h"
#include "support/project.h"

using e2e::TempProject;

namespace {

constexpr long kMessages = 100000;
constexpr long kBoundKib = 16 * 1024;

// kMessages messages over 20 recipients in one statement (as scripts/bench makes them).
void add_messages(const TempProject& p) {
  e2e::sql(p, "WITH RECURSIVE k(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM k WHERE i < " +
                  std::to_string(kMessages) +
                  ")\n"
                  "INSERT INTO messages (from_agent,to_agent,subject,body,type,priority,"
                  "created_at)\n"
                  "SELECT 'agent' || (i % 20), 'agent' || (i % 20 + 1), 'subject ' || i,\n"
                  "       'body of message ' || i || ': the login handler validates expiry.',\n"
                  "       'status', 'normal', " +
                  e2e::now_timestamp() + " FROM k;");
}

e2e::Run list(const TempProject& p, std::vector<std::string> args, long& peak_kib) {
  args.insert(args.begin(), {e2e::drover_bin(), "mail", "list", "--limit", "0"});
  auto r = e2e::command_measured(args, peak_kib, e2e::with_cwd(p.root()));
  INFO(r.err);
  REQUIRE(r.code == 0);
  return r;
}

}  // namespace

TEST_CASE("mail list --limit 0 streams 100,000 messages in constant memory, JSON and text") {
  if (std::getenv("ASAN_OPTIONS") != nullptr) return;  // see the top of this file
  TempProject p;
  e2e::init_without_autostart(p);
  add_messages(p);

  long peak = 0;
  auto r = list(p, {"--json"}, peak);
  auto doc = r.json();
  const auto& messages = doc["messages"];
  REQUIRE(messages.size() == static_cast<std::size_t>(kMessages));
  CHECK(messages.front()["id"] == kMessages);  // newest first
  CHECK(messages.back()["id"] == 1);
  CHECK(messages.back()["subject"] == "subject 1");
  CHECK_MESSAGE(peak <= kBoundKib, "mail list --json: peak RSS " << peak << " KiB");

  r = list(p, {}, peak);
  std::istringstream lines(r.out);
  std::string line, first, last;
  long n = 0;
  while (std::getline(lines, line)) {
    if (n++ == 0) first = line;
    last = line;
  }
  CHECK(n == kMessages);
  CHECK(first.rfind("#" + std::to_string(kMessages) + " ", 0) == 0);
  CHECK(last.rfind("#1 ", 0) == 0);
  CHECK(e2e::contains(last, "agent1 -> agent2 [status] (unread) subject 1"));
  CHECK_MESSAGE(peak <= kBoundKib, "mail list: peak RSS " << peak << " KiB");
}
