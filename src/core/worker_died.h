#pragma once
// The worker_died mail (SPEC §5.5): from a dead agent to its parent. Pure.
#include <cstdint>
#include <optional>
#include <string>

#include "core/mail.h"
#include "core/session.h"

namespace drover {

// The body ends with report_pointer(): where the full story is (drover report NAME).
// terminated_by: "runner" (stall, violation, repeated failure), "operator" (stop) or
// "supervisor" (stale after restart, spawn failure). Requires s.parent.
MailMessage make_worker_died(const Session& s, const std::string& reason,
                             const std::string& terminated_by, std::optional<std::int64_t> turn);

}  // namespace drover
