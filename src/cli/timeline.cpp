#include "cli/timeline.h"

#include <unistd.h>

#include "os/terminal.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::cli {

Timeline::Timeline(const Output& out, store::Store& st) : st_(st) {
  // A --json document carries the plain line: no cut, no colour.
  style_.width = out.json ? 0 : os::terminal_columns(STDOUT_FILENO);
  style_.color = out.color && !out.json;
}

std::optional<std::int64_t> Timeline::number(const std::string& agent, std::int64_t turn_id) {
  auto& known = numbers_[agent];
  if (!known.count(turn_id)) {
    // A turn we have not seen: read the agent's numbers again (once per new turn).
    auto fresh = st_.read<std::map<std::int64_t, std::int64_t>>(
        [&](store::Tx& tx) -> Result<std::map<std::int64_t, std::int64_t>> {
          return tx.turns().numbers(agent);
        });
    if (fresh) known = std::move(*fresh);
  }
  auto it = known.find(turn_id);
  if (it == known.end()) return std::nullopt;
  return it->second;
}

std::string Timeline::line(const store::EventRecord& e) {
  EventLine l;
  auto at = parse_timestamp(e.created_at);
  l.time = at ? os::local_time_of_day(*at) : e.created_at;
  l.agent = e.agent;
  if (e.turn) l.turn = number(e.agent, *e.turn);
  l.kind = e.kind;
  l.level = e.level;
  l.data = nlohmann::json::parse(e.data, nullptr, false);
  if (l.data.is_discarded()) l.data = e.data;
  return render_event_line(l, style_);
}

}  // namespace drover::cli
