#include <doctest/doctest.h>

#include "supervisor/shutdown_request.h"

using namespace drover::supervisor;

TEST_CASE("shutdown request: round trip, and anything else is no request") {
  for (bool now : {false, true}) {
    auto r = parse_shutdown_request(format_shutdown_request({4242, now}));
    REQUIRE(r);
    CHECK(r->supervisor == 4242);
    CHECK(r->now == now);
  }
  CHECK(format_shutdown_request({7, true}) == "7 now\n");
  for (const char* bad :
       {"", "42", "42 soon", "x graceful", "-3 now", "0 now", "42  now", "42 now\nx"})
    CHECK_FALSE(parse_shutdown_request(bad).has_value());
}
