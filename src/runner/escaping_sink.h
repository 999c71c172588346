#pragma once
// Every log line is one line of drover's words (SPEC §5.2, issue 15 item 13): agent-provided
// text (session ids, error results, reasons, stderr excerpts) may hold newlines, NULs or
// terminal escapes that would forge or garble lines. A logger whose sinks are wrapped here
// escapes control characters (core/text.h escape_control) in every message, whatever the
// call site passed; text already escaped is unchanged.
#include <spdlog/common.h>

namespace drover::runner {

// A sink that escapes each message and hands it to `inner`.
spdlog::sink_ptr escaping_sink(spdlog::sink_ptr inner);

}  // namespace drover::runner
