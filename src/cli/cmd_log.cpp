// drover log <agent> [--turn N] [--follow] [--raw] (SPEC §6.7).
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/follow.h"
#include "cli/registry.h"
#include "cli/timeline.h"
#include "core/json_bounded.h"
#include "core/names.h"
#include "core/text.h"
#include "os/files.h"
#include "store/events.h"
#include "store/sessions.h"
#include "store/turns.h"

namespace drover::cli {

namespace {

struct LogOptions {
  std::string agent;
  std::optional<std::int64_t> turn;
  bool follow = false, raw = false;
};

Status run_log(Context& ctx, const LogOptions& o) {
  DROVER_TRY(validate_agent_name(o.agent));
  auto p = ctx.project();
  if (!p) return p.error();
  auto st = ctx.store();
  if (!st) return st.error();
  struct Data {
    std::vector<store::EventRecord> events;
    std::vector<TurnRecord> turns;
    std::optional<std::int64_t> turn_id;  // of --turn N, the agent's Nth turn
  };
  auto d = (*st)->read<Data>([&](store::Tx& tx) -> Result<Data> {
    if (!tx.sessions().get(o.agent))
      return make_error(Errc::not_found, "no agent named '" + o.agent + "' (see 'drover status')");
    Data d;
    if (o.turn) {
      auto numbers = tx.turns().numbers(o.agent);
      for (const auto& [id, n] : numbers)
        if (n == *o.turn) d.turn_id = id;
      if (!d.turn_id)
        return make_error(Errc::not_found, "'" + o.agent + "' has no turn " +
                                               std::to_string(*o.turn) + " (it has run " +
                                               std::to_string(numbers.size()) + ")");
    }
    d.events = tx.events().for_agent(o.agent, d.turn_id, 0, 0);
    d.turns = tx.turns().recent(o.agent, 1 << 20);
    return d;
  });
  if (!d) return d.error();
  if (o.raw) {
    std::string all;
    for (auto it = d->turns.rbegin(); it != d->turns.rend(); ++it) {
      if (d->turn_id && it->id != *d->turn_id) continue;
      auto text =
          os::read_file(p->agent_logs(o.agent) / (std::to_string(it->id) + ".stdout.ndjson"));
      if (text) all += *text;
    }
    if (ctx.out.json) {
      nlohmann::json lines = nlohmann::json::array();
      std::size_t start = 0;
      while (start < all.size()) {
        auto nl = all.find('\n', start);
        auto line = all.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
        // A line that is not JSON, or nests too deep to print safely, is kept as text.
        auto j = parse_json_bounded(line);
        lines.push_back(j.status == BoundedJson::Status::ok ? std::move(j.value)
                                                            : nlohmann::json(line));
        if (nl == std::string::npos) break;
        start = nl + 1;
      }
      ctx.out.document({{"agent", o.agent}, {"lines", lines}});
    } else if (!all.empty()) {
      ctx.out.data(escape_control_keep_lines(all));
    }
    return ok_status();
  }
  if (o.follow && !ctx.out.json)
    return follow_agent(ctx, o.agent, FollowUntil::forever, std::nullopt);
  nlohmann::json events = nlohmann::json::array();
  std::string text;
  Timeline timeline(ctx.out, **st);
  for (const auto& e : d->events) {
    auto data = nlohmann::json::parse(e.data, nullptr, false);
    auto number = e.turn ? timeline.number(e.agent, *e.turn) : std::nullopt;
    events.push_back({{"id", e.id},
                      {"agent", e.agent},
                      {"turn", e.turn ? nlohmann::json(*e.turn) : nlohmann::json(nullptr)},
                      {"turn_number", number ? nlohmann::json(*number) : nlohmann::json(nullptr)},
                      {"created_at", e.created_at},
                      {"kind", e.kind},
                      {"level", e.level},
                      {"data", data.is_discarded() ? nlohmann::json(e.data) : data}});
    if (!ctx.out.json) text += timeline.line(e) + "\n";
  }
  ctx.out.document({{"agent", o.agent}, {"events", events}});
  ctx.out.data(text.empty() ? "no events for " + o.agent : text);
  return ok_status();
}

}  // namespace

void install_log(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<LogOptions>();
  cmd->add_option("agent", o->agent, "agent name")->required();
  cmd->add_option("--turn", o->turn, "only the agent's Nth turn (1, 2, 3…, as agent#N shows)");
  cmd->add_flag("--follow", o->follow, "keep printing new events until the agent finishes");
  cmd->add_flag("--raw", o->raw, "print the raw stream-json transcript");
  on_run(cmd, ctx, [&ctx, o] { return run_log(ctx, *o); });
}

}  // namespace drover::cli
