#pragma once
// Who a mail address reaches (SPEC §4): a single name, or a group over live sessions.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"
#include "core/session.h"

namespace drover {

// `live` = non-terminal sessions; `direct` = the session named by a non-group address,
// if it exists. Groups: "@all" (every live agent but the sender), "@<cap>" or "@<cap>s".
// Errors: bad name (usage), zero recipients (not_found), terminal recipient (conflict,
// suggesting `drover resume`).
Result<std::vector<std::string>> resolve_recipients(std::string_view to, std::string_view sender,
                                                    const std::vector<Session>& live,
                                                    const std::optional<Session>& direct);

}  // namespace drover
