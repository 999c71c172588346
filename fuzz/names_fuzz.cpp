// Fuzzes agent names and mail addresses (core/names.h): the input is a name as it could
// arrive on the command line or from an agent's mail.
//
// Properties:
//  - validate_agent_name accepts exactly the header's rule computed independently, and an
//    accepted name is safe as a path component: 1-63 bytes, no '/', no "..", not "." or
//    "..", no NUL or other control characters;
//  - a rejection is Errc::usage and its message is escaped (no control characters, valid
//    UTF-8) and bounded however long the name;
//  - validate_mail_sender accepts the agent names plus "operator" and "supervisor";
//    a group address ('@…') is never an agent name;
//  - quote_for_message is quoted, escaped, valid UTF-8 and bounded by its max_len.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "check.h"
#include "core/names.h"

using namespace drover;
using drover::fuzz::has_control;
using drover::fuzz::valid_utf8;

namespace {

bool reference_valid(std::string_view name) {
  if (name.empty() || name.size() > 63) return false;
  for (char c : name) {
    bool ok = (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
    if (!ok) return false;
  }
  char first = name[0];
  if (!((first >= 'a' && first <= 'z') || (first >= '0' && first <= '9'))) return false;
  if (name.find("..") != std::string_view::npos) return false;
  return name != "operator" && name != "supervisor";
}

void check_quoted(std::string_view text, std::size_t max_len) {
  std::string q = quote_for_message(text, max_len);
  FUZZ_CHECK(q.size() >= 2 && q.front() == '\'' && q.back() == '\'');
  FUZZ_CHECK(!has_control(q));
  FUZZ_CHECK(valid_utf8(q));
  // Each kept byte becomes at most 4 ("\xNN"); "..." marks a cut.
  FUZZ_CHECK(q.size() <= 4 * max_len + 5);
  if (text.size() <= max_len && valid_utf8(text) && !has_control(text))
    FUZZ_CHECK(q == "'" + std::string(text) + "'");
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view name(reinterpret_cast<const char*>(data), size);

  Status agent = validate_agent_name(name);
  FUZZ_CHECK(agent.ok() == reference_valid(name));
  if (agent.ok()) {
    FUZZ_CHECK(name.size() >= 1 && name.size() <= 63);
    FUZZ_CHECK(name.find('/') == std::string_view::npos);
    FUZZ_CHECK(name.find("..") == std::string_view::npos);
    FUZZ_CHECK(name != "." && name != "..");
    FUZZ_CHECK(name.find('\0') == std::string_view::npos && !has_control(name));
    FUZZ_CHECK(!is_group_address(name));
  } else {
    const std::string& msg = agent.error().message;
    FUZZ_CHECK(agent.error().code == Errc::usage);
    FUZZ_CHECK(!msg.empty() && !has_control(msg) && valid_utf8(msg));
    FUZZ_CHECK(msg.size() <= 1000);
  }

  Status sender = validate_mail_sender(name);
  FUZZ_CHECK(sender.ok() == (agent.ok() || name == kOperator || name == kSupervisor));
  FUZZ_CHECK(is_group_address(name) == (!name.empty() && name[0] == '@'));

  check_quoted(name, 80);
  check_quoted(name, size % 23);
  return 0;
}
