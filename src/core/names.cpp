#include "core/names.h"

#include "core/text.h"

namespace drover {

namespace {
bool name_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '.' || c == '_' || c == '-';
}
bool alnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
}  // namespace

std::string quote_for_message(std::string_view text, std::size_t max_len) {
  std::string shown(text.substr(0, max_len));
  std::string out = "'" + escape_control(shown);
  if (text.size() > max_len) out += "...";
  return out + "'";
}

Status validate_agent_name(std::string_view name) {
  const std::string rule =
      " (agent names are 1-63 characters of a-z, 0-9, '.', '_', '-', starting with a letter "
      "or digit, without '..')";
  if (name.empty()) return make_error(Errc::usage, "agent name is empty" + rule);
  if (name.size() > 63)
    return make_error(Errc::usage, "agent name " + quote_for_message(name, 20) + " is " +
                                       std::to_string(name.size()) + " characters long" + rule);
  for (char c : name)
    if (!name_char(c)) {
      std::string shown = c >= 'A' && c <= 'Z' ? "uppercase '" + std::string(1, c) + "'"
                                               : quote_for_message(std::string_view(&c, 1));
      return make_error(Errc::usage, "agent name " + quote_for_message(name) +
                                         " contains an invalid character " + shown + rule);
    }
  if (!alnum(name[0]))
    return make_error(Errc::usage, "agent name " + quote_for_message(name) +
                                       " must start with a letter or digit" + rule);
  if (name.find("..") != std::string_view::npos)
    return make_error(Errc::usage,
                      "agent name " + quote_for_message(name) + " contains '..'" + rule);
  if (name == kOperator || name == kSupervisor)
    return make_error(Errc::usage, "agent name '" + std::string(name) +
                                       "' is reserved for mail; choose another name");
  return ok_status();
}

Status validate_mail_sender(std::string_view name) {
  if (name == kOperator || name == kSupervisor) return ok_status();
  return validate_agent_name(name);
}

bool is_group_address(std::string_view address) { return !address.empty() && address[0] == '@'; }

}  // namespace drover
