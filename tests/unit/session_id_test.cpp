#include <doctest/doctest.h>

#include "core/session_id.h"

using namespace drover;

TEST_CASE("session id: at most 256 bytes of printable ASCII is a session id") {
  CHECK(is_valid_session_id("6f1c0f55-8a0e-4f7b-9d55-2c6f4a2f1e3b"));
  CHECK(is_valid_session_id(std::string(kMaxSessionIdBytes, 'a')));
  CHECK(is_valid_session_id("a b~!"));  // printable ASCII includes the space
  CHECK_FALSE(is_valid_session_id(""));
  CHECK_FALSE(is_valid_session_id(std::string(kMaxSessionIdBytes + 1, 'a')));
  CHECK_FALSE(is_valid_session_id(std::string(2 << 20, 'a')));  // the 2 MB id of issue 15
  CHECK_FALSE(is_valid_session_id(std::string("s\0x", 3)));
  CHECK_FALSE(is_valid_session_id("s\nx"));
  CHECK_FALSE(is_valid_session_id("s\x7fx"));
  CHECK_FALSE(is_valid_session_id("caf\xc3\xa9"));  // UTF-8 is not ASCII
}
