#include "core/addressing.h"

#include "core/names.h"

namespace drover {

Result<std::vector<std::string>> resolve_recipients(std::string_view to, std::string_view sender,
                                                    const std::vector<Session>& live,
                                                    const std::optional<Session>& direct) {
  if (is_group_address(to)) {
    std::string_view group = to.substr(1);
    if (group.empty())
      return make_error(Errc::usage,
                        "empty group address '@' (use @all, @<capability> or @<capability>s)");
    std::vector<std::string> out;
    for (const auto& s : live) {
      if (s.name == sender) continue;
      bool match = group == "all" || s.capability == group ||
                   (group.size() > 1 && group.back() == 's' &&
                    s.capability == group.substr(0, group.size() - 1));
      if (match) out.push_back(s.name);
    }
    if (out.empty())
      return make_error(Errc::not_found,
                        "no live agent matches '" + std::string(to) + "' (see 'drover status')");
    return out;
  }
  if (to == kSupervisor)
    return make_error(Errc::usage, "'supervisor' only sends mail; it cannot receive it");
  if (to != kOperator) {
    auto valid = validate_agent_name(to);
    if (!valid) return valid.error();
  }
  if (direct && is_terminal(direct->state))
    return make_error(Errc::conflict, "agent '" + std::string(to) + "' is " +
                                          std::string(to_string(direct->state)) +
                                          " and takes no more mail (run 'drover resume " +
                                          std::string(to) + " \"<message>\"' to continue it)");
  return std::vector<std::string>{std::string(to)};
}

}  // namespace drover
