// drover log <agent> [--turn N] [--follow] [--raw | --stderr] (SPEC §6.7), and
// drover log --all [--agent A]… [--capability C]… [--last N] [--follow]: the feed (cli/feed).
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/feed.h"
#include "cli/follow.h"
#include "cli/registry.h"
#include "cli/timeline.h"
#include "core/json_bounded.h"
#include "core/json_writer.h"
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
  bool follow = false, raw = false, stderr_log = false;
  bool all = false;
  std::vector<std::string> agents, capabilities;
  std::optional<int> last;
};

// The feed's options, or what is wrong with combining them.
Result<FeedOptions> feed_options(const LogOptions& o) {
  if (!o.agent.empty())
    return make_error(Errc::usage,
                      "give an agent or --all, not both (to pick agents in the "
                      "feed, use --agent " +
                          o.agent + ")");
  if (o.turn) return make_error(Errc::usage, "--turn needs one agent: drover log AGENT --turn N");
  if (o.raw || o.stderr_log)
    return make_error(Errc::usage, std::string(o.raw ? "--raw" : "--stderr") +
                                       " needs one agent: drover log AGENT " +
                                       (o.raw ? "--raw" : "--stderr"));
  if (o.last && *o.last < 0)
    return make_error(Errc::usage, "--last must be 0 or more (0: only events from now on)");
  for (const auto& a : o.agents) DROVER_TRY(validate_agent_name(a));
  FeedOptions f;
  f.filter.agents = o.agents;
  f.filter.capabilities = o.capabilities;
  f.follow = o.follow;
  f.last = o.last;
  return f;
}

Status run_log(Context& ctx, const LogOptions& o) {
  if (o.all || !o.agents.empty() || !o.capabilities.empty()) {
    auto f = feed_options(o);
    if (!f) return f.error();
    return run_feed(ctx, *f);
  }
  if (o.agent.empty())
    return make_error(Errc::usage,
                      "which agent? drover log AGENT, or drover log --all for every agent");
  if (o.last) return make_error(Errc::usage, "--last is for the feed: drover log --all --last N");
  DROVER_TRY(validate_agent_name(o.agent));
  auto p = ctx.project();
  if (!p) return p.error();
  auto st = ctx.store();
  if (!st) return st.error();
  (*st)->set_page_cache_kib(store::kListingCacheKib);
  struct Data {
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
    if (o.raw || o.stderr_log) d.turns = tx.turns().recent(o.agent, 1 << 20);
    return d;
  });
  if (!d) return d.error();
  // The turns' log files, oldest first: the transcript (--raw) or the stderr log (--stderr).
  auto logs_of = [&](const char* suffix) {
    std::string all;
    for (auto it = d->turns.rbegin(); it != d->turns.rend(); ++it) {
      if (d->turn_id && it->id != *d->turn_id) continue;
      auto text = os::read_file(p->agent_logs(o.agent) / (std::to_string(it->id) + suffix));
      if (text) all += *text;
    }
    return all;
  };
  if (o.stderr_log) {
    std::string all = logs_of(".stderr.log");
    ctx.out.document({{"agent", o.agent}, {"stderr", all}});
    if (!all.empty()) ctx.out.data(escape_control_keep_lines(all));
    return ok_status();
  }
  if (o.raw) {
    std::string all = logs_of(".stdout.ndjson");
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
  // Streamed (issue 18): each event is written as it is read and goes out in chunks.
  const bool json = ctx.out.json;
  JsonWriter w;
  std::string text;
  if (json) w.begin_object().member("agent", o.agent).key("events").begin_array();
  Timeline timeline(ctx.out, **st, *p);
  auto n = (*st)->read<std::int64_t>([&](store::Tx& tx) -> Result<std::int64_t> {
    timeline.set_numbers(o.agent, tx.turns().numbers(o.agent));
    return tx.events().for_each_of_agent(o.agent, d->turn_id, [&](const store::EventRecord& e) {
      if (json) {
        auto number = e.turn ? timeline.number(e.agent, *e.turn) : std::nullopt;
        w.raw_indented(dump_json(event_json(e, number), w.indent()));
        ctx.out.stream(w);
      } else {
        text += timeline.line(e);
        text += '\n';
        ctx.out.stream(text);
      }
    });
  });
  if (!n) return n.error();
  ctx.out.end_listing(w, text, *n, "no events for " + o.agent);
  return ok_status();
}

}  // namespace

void install_log(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<LogOptions>();
  cmd->add_option("agent", o->agent, "agent name (or --all)");
  cmd->add_flag("--all", o->all, "every agent's events, interleaved as they happened");
  cmd->add_option("--agent", o->agents, "with --all: only this agent (repeatable)");
  cmd->add_option("--capability", o->capabilities,
                  "with --all: only agents with this capability (repeatable)");
  cmd->add_option("--last", o->last,
                  "with --all: start with the newest N events (--follow: 10; 0: only new)");
  cmd->add_option("--turn", o->turn, "only the agent's Nth turn (1, 2, 3…, as agent#N shows)");
  cmd->add_flag("--follow", o->follow, "keep printing new events until the agent finishes");
  cmd->add_flag("--raw", o->raw, "print the raw stream-json transcript");
  cmd->add_flag("--stderr", o->stderr_log, "print what the agent wrote on stderr");
  on_run(cmd, ctx, [&ctx, o] { return run_log(ctx, *o); });
}

}  // namespace drover::cli
