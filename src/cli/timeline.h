#pragma once
// An agent's timeline as a person reads it (issue 16): each stored event rendered by
// core/event_line with the local time, the agent's own turn number, and the terminal's
// width and colours. Used by `log`, `log --follow` and the `--wait` progress.
#include <cstdint>
#include <map>
#include <string>

#include "cli/output.h"
#include "core/event_line.h"
#include "core/paths.h"
#include "store/events.h"

namespace drover::store {
class Store;
}

namespace drover::cli {

class Timeline {
 public:
  // Width: stdout's terminal (no cut when it is not one). Colour: as `out` says.
  Timeline(const Output& out, store::Store& st, ProjectPaths paths);

  // The event's line; for the end of a turn that went wrong (not completed or waiting),
  // followed by the last lines of its stderr log, one per line.
  std::string line(const store::EventRecord& e);
  // The agent's own number of turn `turn_id` (nullopt for a turn that never started).
  std::optional<std::int64_t> number(const std::string& agent, std::int64_t turn_id);
  // The agent's turn numbers read by the caller (inside the transaction that reads its
  // events, where number() could not start a read of its own): number() then looks only
  // here for this agent.
  void set_numbers(const std::string& agent, std::map<std::int64_t, std::int64_t> numbers);

 private:
  store::Store& st_;
  ProjectPaths paths_;
  LineStyle style_;
  std::map<std::string, std::map<std::int64_t, std::int64_t>> numbers_;  // agent → id → N
  std::map<std::string, bool> fixed_;  // agents whose numbers came from set_numbers
};

}  // namespace drover::cli
