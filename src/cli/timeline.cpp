#include "cli/timeline.h"

#include <unistd.h>

#include "os/files.h"
#include "os/terminal.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::cli {

namespace {

// How much of a stderr log's end is read, and how many of its lines are shown.
constexpr std::size_t kStderrTailBytes = 4096;
constexpr std::size_t kStderrLines = 3;

bool went_wrong(const EventLine& l) {
  if (l.kind != "turn_end" || !l.data.is_object()) return false;
  std::string outcome = l.data.value("outcome", "");
  return outcome != "completed" && outcome != "waiting";
}

}  // namespace

Timeline::Timeline(const Output& out, store::Store& st, ProjectPaths paths)
    : st_(st), paths_(std::move(paths)) {
  // A --json document carries the plain line: no cut, no colour.
  style_.width = out.json ? 0 : os::terminal_columns(STDOUT_FILENO);
  style_.color = out.color && !out.json;
}

std::optional<std::int64_t> Timeline::number(const std::string& agent, std::int64_t turn_id) {
  auto& known = numbers_[agent];
  if (!known.count(turn_id) && !fixed_.count(agent)) {
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

void Timeline::set_numbers(const std::string& agent, std::map<std::int64_t, std::int64_t> numbers) {
  numbers_[agent] = std::move(numbers);
  fixed_[agent] = true;
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
  std::string out = render_event_line(l, style_);
  if (went_wrong(l) && e.turn) {
    auto log = paths_.agent_logs(e.agent) / (std::to_string(*e.turn) + ".stderr.log");
    if (auto tail = os::read_file_tail(log, kStderrTailBytes)) {
      std::error_code ec;
      bool cut = std::filesystem::file_size(log, ec) > kStderrTailBytes && !ec;
      for (const auto& s : render_stderr_tail(*tail, cut, kStderrLines, style_)) out += "\n" + s;
    }
  }
  return out;
}

}  // namespace drover::cli
