#pragma once
// Durations as written in config and on the command line: "500ms", "2s", "10m", "6h",
// and "0" / "0s" for none.
#include <chrono>
#include <string>
#include <string_view>

#include "core/result.h"

namespace drover {

using Millis = std::chrono::milliseconds;

// Accepts <non-negative integer><unit> with unit ms|s|m|h (a bare "0" too).
Result<Millis> parse_duration(std::string_view text);
// Shortest exact spelling: 1500ms → "1500ms", 120000ms → "2m", 0 → "0s".
std::string format_duration(Millis d);
// Human approximation for ages: "850ms", "12s", "3m", "2h5m", "3d".
std::string format_age(Millis d);

}  // namespace drover
