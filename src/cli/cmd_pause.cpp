// drover pause <agent> [--reason R] | --all, drover unpause <agent> | --all (issue 17,
// docs/steering.md "Pause"): a paused agent starts no new turn; its mail waits. Works with
// or without a supervisor: both read the pause where they decide a start. `--now` also
// ends the running turn as interrupted (its mail released, to run after `unpause`).
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/pause.h"
#include "cli/registry.h"
#include "cli/wake.h"
#include "core/clock.h"
#include "core/names.h"
#include "core/pause.h"
#include "core/turn_record.h"
#include "runner/stop_agent.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::cli {

namespace {

struct PauseOptions {
  std::optional<std::string> agent;
  bool all = false;
  bool now = false;
  std::string reason;
};

// pause --now: ends the running turns of `agents` (each recorded as interrupted by the
// pause transaction); the number of turns this pause ended. The command signals each turn,
// but the agent's own supervisor also ends a turn whose pause it sees (docs/hosts.md), and
// may get there first: a turn counts when this signalled it, or when the agent's last turn
// ended as interrupted at or after `since` (this command's start).
Result<int> interrupt_turns(Context& ctx, store::Store& st, const std::vector<std::string>& agents,
                            const std::string& since) {
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config_or_defaults();
  if (!cfg) return cfg.error();
  int ended = 0;
  for (const auto& agent : agents) {
    auto r = runner::interrupt_turn(*p, agent, cfg->turn.kill_grace);
    if (!r) return r.error();
    if (r->signalled) {
      ++ended;
      continue;
    }
    auto last =
        st.read<std::vector<TurnRecord>>([&](store::Tx& tx) -> Result<std::vector<TurnRecord>> {
          return tx.turns().recent(agent, 1);
        });
    if (!last) return last.error();
    if (!last->empty() && last->front().outcome == TurnOutcome::interrupted &&
        last->front().ended_at.value_or("") >= since)
      ++ended;
  }
  return ended;
}

Status check_target(const PauseOptions& o, const char* cmd) {
  if (o.all == o.agent.has_value())
    return make_error(Errc::usage, std::string("name one agent or use --all (drover ") + cmd +
                                       " <agent> | drover " + cmd + " --all)");
  if (o.agent) DROVER_TRY(validate_agent_name(*o.agent));
  return ok_status();
}

nlohmann::json change_json(const PauseChange& c) {
  return {{"agent", c.agent},
          {"paused", c.paused_at.has_value()},
          {"changed", c.changed},
          {"paused_at", c.paused_at ? nlohmann::json(*c.paused_at) : nlohmann::json(nullptr)},
          {"pause_reason", c.reason ? nlohmann::json(*c.reason) : nlohmann::json(nullptr)},
          {"in_turn", c.in_turn}};
}

Status run_pause(Context& ctx, const PauseOptions& o) {
  DROVER_TRY(check_target(o, "pause"));
  if (o.all && !o.reason.empty())
    return make_error(Errc::usage,
                      "--reason applies to one agent (drover pause <agent> --reason R)");
  auto st = ctx.store();
  if (!st) return st.error();
  const std::string started = now_timestamp();  // a turn interrupted after it: by this pause
  if (o.all) {
    auto c = estop_on(**st, o.now);
    if (!c) return c.error();
    int ended = 0;
    if (o.now) {
      auto n = interrupt_turns(ctx, **st, c->live, started);
      if (!n) return n.error();
      ended = *n;
    }
    ctx.out.document({{"estop", true},
                      {"since", c->since},
                      {"changed", c->changed},
                      {"turns_running", o.now ? 0 : c->turns_running},
                      {"turns_interrupted", ended}});
    if (o.now)
      ctx.out.info("paused all agents: no new turn starts; " + std::to_string(ended) +
                   (ended == 1 ? " turn" : " turns") +
                   " interrupted (their mail waits for 'drover unpause --all')");
    else
      ctx.out.info(c->changed ? estop_summary(c->turns_running)
                              : "already paused all agents (since " + c->since + "); " +
                                    std::to_string(c->turns_running) + " turn(s) still running");
    return ok_status();
  }
  auto c = pause_agent(**st, *o.agent, o.reason, o.now);
  if (!c) return c.error();
  bool interrupted = false;
  if (o.now) {
    auto n = interrupt_turns(ctx, **st, {*o.agent}, started);
    if (!n) return n.error();
    interrupted = *n > 0;
  }
  auto doc = change_json(*c);
  if (o.now) {
    doc["in_turn"] = false;
    doc["turn_interrupted"] = interrupted;
  }
  ctx.out.document(doc);
  std::string turn_note = interrupted ? " (its running turn was interrupted; its mail waits)"
                          : c->in_turn && !o.now ? " (its running turn finishes normally)"
                                                 : "";
  if (!c->changed)
    ctx.out.info(*o.agent + " is already paused (since " + c->paused_at.value_or("?") + ")" +
                 (interrupted ? turn_note : ""));
  else ctx.out.info("paused " + *o.agent + ": no new turn starts; its mail waits" + turn_note);
  return ok_status();
}

Status run_unpause(Context& ctx, const PauseOptions& o) {
  DROVER_TRY(check_target(o, "unpause"));
  auto st = ctx.store();
  if (!st) return st.error();
  if (o.all) {
    auto c = estop_off(**st);
    if (!c) return c.error();
    notify_supervisor(ctx, false);
    ctx.out.document({{"estop", false},
                      {"changed", c->changed || c->agents_unpaused > 0},
                      {"agents_unpaused", c->agents_unpaused}});
    std::string text = c->changed ? "released the E-stop" : "the E-stop was off";
    text += "; unpaused " + std::to_string(c->agents_unpaused) + " agent(s)";
    ctx.out.info(text);
    return ok_status();
  }
  auto c = unpause_agent(**st, *o.agent);
  if (!c) return c.error();
  if (c->changed) notify_supervisor(ctx, false);
  ctx.out.document(change_json(*c));
  ctx.out.info(c->changed ? "unpaused " + *o.agent : *o.agent + " is not paused");
  return ok_status();
}

}  // namespace

void install_pause(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<PauseOptions>();
  cmd->add_option("agent", o->agent, "agent name");
  cmd->add_flag("--all", o->all, "the E-stop: no turn starts for any agent until 'unpause --all'");
  cmd->add_option("--reason", o->reason, "why (shown by 'drover status AGENT')");
  cmd->add_flag("--now", o->now,
                "also end the running turn now, as interrupted (its mail waits for 'unpause')");
  on_run(cmd, ctx, [&ctx, o] { return run_pause(ctx, *o); });
}

void install_unpause(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<PauseOptions>();
  cmd->add_option("agent", o->agent, "agent name");
  cmd->add_flag("--all", o->all, "release the E-stop and every paused agent");
  on_run(cmd, ctx, [&ctx, o] { return run_unpause(ctx, *o); });
}

}  // namespace drover::cli
