// drover resume <agent> [MESSAGE…] (SPEC §6.5): revive a finished agent in its stored
// session, queue its instructions as mail and wake the supervisor.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/message_text.h"
#include "cli/registry.h"
#include "cli/wake.h"
#include "core/clock.h"
#include "core/names.h"
#include "os/files.h"
#include "store/mail.h"
#include "store/sessions.h"

namespace drover::cli {

namespace {

struct ResumeOptions {
  std::string agent;
  std::vector<std::string> words;
  bool no_start = false;
};

Status run_resume(Context& ctx, const ResumeOptions& o) {
  DROVER_TRY(validate_agent_name(o.agent));
  auto st = ctx.store();
  if (!st) return st.error();
  std::string text = message_text(o.words, "Continue your task.");
  auto prior = (*st)->write<std::string>([&](store::Tx& tx) -> Result<std::string> {
    auto s = tx.sessions().get(o.agent);
    if (!s)
      return make_error(Errc::not_found, "no agent named '" + o.agent + "' (see 'drover status')");
    if (!is_terminal(s->state))
      return make_error(Errc::conflict,
                        "agent '" + o.agent + "' is " + std::string(to_string(s->state)) +
                            ", not finished (use 'drover nudge " + o.agent + " \"<message>\"')");
    // It continues in the same worktree (SPEC §6.5), so that worktree must still be there.
    if (s->worktree && !os::is_directory(*s->worktree))
      return make_error(Errc::failed,
                        "the worktree of '" + o.agent + "' is missing: " + *s->worktree +
                            " (forget the agent with 'drover clean --agent " + o.agent +
                            "', or start over with 'drover sling " + o.agent + " --replace …')");
    store::StateUpdate u;
    u.reason = "resumed by the operator";
    u.failed_turns = 0;
    u.stop_requested = false;
    u.retry_after = std::optional<std::string>();
    u.last_activity = now_timestamp();
    auto moved = tx.sessions().transition(o.agent, SessionEvent::resume, u);
    if (!moved) return moved.error();
    MailMessage m;
    m.from = Context::self_name();
    m.to = o.agent;
    m.type = "assign";
    m.subject = "resume";
    m.body = text;
    tx.mail().insert(m);
    return std::string(to_string(s->state));
  });
  if (!prior) return prior.error();
  notify_supervisor(ctx, !o.no_start);
  ctx.out.document({{"agent", o.agent}, {"state", "between_turns"}, {"previous_state", *prior}});
  ctx.out.info("resumed " + o.agent + " (was " + *prior + ")");
  return ok_status();
}

}  // namespace

void install_resume(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<ResumeOptions>();
  cmd->add_option("agent", o->agent, "agent name")->required();
  cmd->add_option("message", o->words, "instructions (default: Continue your task.)");
  cmd->add_flag("--no-start", o->no_start, "do not start the supervisor");
  on_run(cmd, ctx, [&ctx, o] { return run_resume(ctx, *o); });
}

}  // namespace drover::cli
