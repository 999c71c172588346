// drover nudge <agent> [MESSAGE…] (SPEC §6.2): queue a nudge for a live agent and wake the
// supervisor.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/follow.h"
#include "cli/message_text.h"
#include "cli/registry.h"
#include "cli/wake.h"
#include "core/names.h"
#include "store/events.h"
#include "store/mail.h"
#include "store/sessions.h"

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
  std::string text = message_text(o.words, "Check your mail and report your status.");
  std::int64_t events_before = 0;  // --wait shows what the nudge causes, not the past
  auto id = (*st)->write<std::int64_t>([&](store::Tx& tx) -> Result<std::int64_t> {
    auto s = tx.sessions().get(o.agent);
    if (!s)
      return make_error(Errc::not_found, "no agent named '" + o.agent + "' (see 'drover status')");
    if (is_terminal(s->state))
      return make_error(Errc::conflict,
                        "agent '" + o.agent + "' is " + std::string(to_string(s->state)) +
                            " (run 'drover resume " + o.agent + " \"<message>\"' to continue it)");
    MailMessage m;
    m.from = from;
    m.to = o.agent;
    m.type = "nudge";
    m.subject = "nudge";
    m.body = text;
    events_before = tx.events().max_id();
    return tx.mail().insert(m);
  });
  if (!id) return id.error();
  notify_supervisor(ctx, !o.no_start);
  if (o.wait) return follow_agent(ctx, o.agent, FollowUntil::turn_settled, *id, events_before);
  ctx.out.document({{"agent", o.agent}, {"state", "queued"}, {"message_id", *id}});
  ctx.out.info("nudged " + o.agent + " (#" + std::to_string(*id) +
               "); it runs now if idle, else at its next turn");
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
