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
  bool wait = false, no_start = false;
};

Status run_nudge(Context& ctx, const NudgeOptions& o) {
  DROVER_TRY(validate_agent_name(o.agent));
  std::string from = o.from.value_or(Context::self_name());
  DROVER_TRY(validate_mail_sender(from));
  auto st = ctx.store();
  if (!st) return st.error();
  std::string text = message_text(o.words, kDefaultNudgeText);
  // --wait shows what the nudge causes, not the past (events after events_before).
  auto queued = queue_nudge(**st, o.agent, from, text);
  if (!queued) return queued.error();
  notify_supervisor(ctx, !o.no_start);
  std::int64_t id = queued->message_id;
  auto paused = paused_mail_note(**st, o.agent);
  if (paused && o.wait) ctx.out.warn(*paused + " (--wait waits for that)");
  if (o.wait)
    return follow_agent(ctx, o.agent, FollowUntil::turn_settled, id, queued->events_before);
  ctx.out.document({{"agent", o.agent}, {"state", "queued"}, {"message_id", id}});
  ctx.out.info("nudged " + o.agent + " (#" + std::to_string(id) +
               "); it runs now if idle, else at its next turn");
  if (paused) ctx.out.info(*paused);
  return ok_status();
}

}  // namespace

void install_nudge(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<NudgeOptions>();
  cmd->add_option("agent", o->agent, "agent name")->required();
  cmd->add_option("message", o->words, "the nudge text");
  cmd->add_option("--from", o->from, "sender (default $DROVER_AGENT, else operator)");
  cmd->add_flag("--wait", o->wait, "wait until the turn that carries the nudge has settled");
  cmd->add_flag("--no-start", o->no_start, "do not start the supervisor");
  on_run(cmd, ctx, [&ctx, o] { return run_nudge(ctx, *o); });
}

}  // namespace drover::cli
