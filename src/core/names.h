#pragma once
// Agent-name rules (SPEC §2). A name never becomes a path until it passes here.
#include <string>
#include <string_view>

#include "core/result.h"

namespace drover {

inline constexpr std::string_view kOperator = "operator";
inline constexpr std::string_view kSupervisor = "supervisor";

// 1–63 chars of [a-z0-9._-], starting with a letter or digit, no "..", not reserved.
Status validate_agent_name(std::string_view name);

// A mail address: an agent name, "operator", "supervisor" (as a sender only),
// or a group ("@all", "@<capability>", "@<capability>s").
Status validate_mail_sender(std::string_view name);
bool is_group_address(std::string_view address);

// Renders arbitrary text for a one-line error message: control characters escaped,
// long input shortened.
std::string quote_for_message(std::string_view text, std::size_t max_len = 80);

}  // namespace drover
