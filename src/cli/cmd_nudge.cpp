// drover nudge <agent> [MESSAGE…] (SPEC §6.2): queue a nudge for a live agent and wake the
// supervisor.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/follow.h"
#include "cli/message_text.h"
#include "cli/nudge.h"
#include "cli/pause.h"
#include "cli/registry.h"
#include "cli/wake.h"
#include "core/names.h"

namespace drover::cli {

namespace {

struct NudgeOptions {
  std::string agent;
  std::vector<std::string> words;
  std::optional<std::string> from;
  bool wait = false, no_start = false, queue = false, interrupt = false;
};

// What the nudge does now, in the operator's words.
std::string nudge_said(const std::string& agent, std::int64_t id, const QueuedNudge& q) {
  std::string head = "nudged " + agent + " (#" + std::to_string(id) + ")";
  if (q.delivery.delivery == Delivery::next_turn)
    return head + (q.in_turn ? "; it gets it at its next turn"
                             : "; it runs now if idle, else at its next turn");
  if (!q.in_turn) return head + "; it runs now if idle, else it goes into the running turn";
  return head + (q.delivery.delivery == Delivery::interrupt
                     ? ": interrupting its running turn to take it now"
                     : ": it goes into the running turn");
}

std::string_view delivery_name(Delivery d) {
  switch (d) {
    case Delivery::live: return "live";
    case Delivery::interrupt: return "interrupt";
    case Delivery::next_turn: break;
  }
  return "next_turn";
}

Status run_nudge(Context& ctx, const NudgeOptions& o) {
  DROVER_TRY(validate_agent_name(o.agent));
  std::string from = o.from.value_or(Context::self_name());
  DROVER_TRY(validate_mail_sender(from));
  auto st = ctx.store();
  if (!st) return st.error();
  std::string text = message_text(o.words, kDefaultNudgeText);
  // --wait shows what the nudge causes, not the past (events after events_before).
  if (o.queue && o.interrupt)
    return make_error(Errc::usage,
                      "--queue and --interrupt contradict each other: --queue waits for the next "
                      "turn, --interrupt stops the running one");
  auto config = ctx.config_or_defaults();
  if (!config) return config.error();
  auto queued = queue_nudge(**st, *config, o.agent, from, text, {o.queue, o.interrupt});
  if (!queued) return queued.error();
  if (!queued->delivery.note.empty()) ctx.out.alert("drover: " + queued->delivery.note);
  notify_supervisor(ctx, !o.no_start);
  std::int64_t id = queued->message_id;
  auto paused = paused_mail_note(**st, o.agent);
  if (paused && o.wait) ctx.out.warn(*paused + " (--wait waits for that)");
  if (o.wait) return follow_agent(ctx, o.agent, FollowUntil::answered, id, queued->events_before);
  ctx.out.document({{"agent", o.agent},
                    {"state", "queued"},
                    {"message_id", id},
                    {"delivery", delivery_name(queued->delivery.delivery)}});
  // A paused agent takes no mail, live or not: the pause note says when it will.
  if (paused) ctx.out.info("nudged " + o.agent + " (#" + std::to_string(id) + "); " + *paused);
  else ctx.out.info(nudge_said(o.agent, id, *queued));
  return ok_status();
}

}  // namespace

void install_nudge(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<NudgeOptions>();
  cmd->add_option("agent", o->agent, "agent name")->required();
  cmd->add_option("message", o->words, "the nudge text");
  cmd->add_option("--from", o->from, "sender (default $DROVER_AGENT, else operator)");
  cmd->add_flag("--wait", o->wait,
                "wait for the answer: the result that answers a nudge sent into a running turn, "
                "else the settle of the turn that carries it");
  cmd->add_flag("--queue", o->queue,
                "deliver at the agent's next turn only, never into a running one");
  cmd->add_flag("--interrupt", o->interrupt,
                "ask the running turn to stop what it is doing and take this now (live-input "
                "runtimes; others get it at the next turn)");
  cmd->add_flag("--no-start", o->no_start, "do not start the supervisor");
  on_run(cmd, ctx, [&ctx, o] { return run_nudge(ctx, *o); });
}

}  // namespace drover::cli
