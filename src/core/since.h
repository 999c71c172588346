#pragma once
// `--since D` on the command line (drover costs): a calendar date, "2026-12-01" (from the
// start of that local day), or a duration meaning "that long ago": "90m", "2h", "3d"
// (units ms, s, m, h as in core/duration, plus d for days). Pure: the caller turns it into
// a timestamp with its clock and time zone.
#include <chrono>
#include <optional>
#include <string_view>

#include "core/duration.h"
#include "core/result.h"

namespace drover {

struct Since {
  std::optional<std::chrono::year_month_day> date;  // a valid calendar date
  std::optional<Millis> ago;                        // how long before now
};

// The date or the duration; Errc::usage with one line saying what is accepted otherwise
// (a malformed or impossible date such as 2026-02-30, an unknown unit, a negative number).
Result<Since> parse_since(std::string_view text);

}  // namespace drover
