#pragma once
// `drover log --all [--follow]`: every agent's events interleaved in the order they were
// stored, one rendered line each (cli/timeline), optionally only some agents or
// capabilities.
#include <optional>

#include "cli/context.h"
#include "store/events.h"

namespace drover::cli {

struct FeedOptions {
  store::EventFilter filter;
  bool follow = false;
  // Start with only the newest N matching events (nullopt: all of them; with --follow the
  // default is kFollowBacklog).
  std::optional<int> last;
};

// Lines a followed feed starts with when --last is not given (like `tail -f`).
inline constexpr int kFollowBacklog = 10;

// Prints the feed; with follow, keeps printing new events until interrupted (a closed pipe
// ends it with exit 0). A filter naming an agent or capability with no session is said on
// stderr (the agent may still come), not refused.
Status run_feed(Context& ctx, const FeedOptions& o);

}  // namespace drover::cli
