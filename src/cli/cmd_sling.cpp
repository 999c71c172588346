// drover sling <agent> [TASK…] (SPEC §6.1): create the agent and its dispatch mail in one
// transaction, make sure the supervisor runs, and return at once (or follow with --wait).
// `drover sling --batch FILE` creates many at once (cli/sling_batch.h).
#include <CLI/CLI.hpp>
#include <iostream>
#include <iterator>
#include <memory>

#include "cli/context.h"
#include "cli/follow.h"
#include "cli/mail_common.h"
#include "cli/registry.h"
#include "cli/sling_batch.h"
#include "cli/sling_write.h"
#include "cli/wake.h"
#include "core/names.h"
#include "os/file_lock.h"
#include "os/files.h"
#include "runner/worktree.h"
#include "store/sessions.h"

namespace drover::cli {

namespace {

Result<std::string> read_task(const SlingOptions& o) {
  bool from_stdin = o.task_words.size() == 1 && o.task_words[0] == "-";
  if (o.file && !o.task_words.empty())
    return make_error(Errc::usage,
                      "give the task once: as arguments, with --file, or '-' for stdin");
  std::string task;
  if (o.file) {
    auto text = os::read_file(*o.file);
    if (!text) return make_error(text.error().code, "cannot read --file: " + text.error().message);
    task = *text;
  } else if (from_stdin) {
    task.assign(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  } else {
    for (const auto& w : o.task_words) task += (task.empty() ? "" : " ") + w;
  }
  if (task.find_first_not_of(" \t\r\n") == std::string::npos)
    return make_error(
        Errc::usage,
        "the task is empty (drover sling <agent> \"<task>\", --file F, or '-' for stdin)");
  return task;
}

Status check_sling_options(const SlingOptions& o) {
  if (o.agent.empty())
    return make_error(Errc::usage,
                      "an agent name is required (drover sling AGENT \"TASK\", or drover sling "
                      "--batch FILE for many)");
  DROVER_TRY(validate_agent_name(o.agent));
  if (o.base_branch && !o.worktree)
    return make_error(Errc::usage, "--base-branch needs --worktree (drover sling " + o.agent +
                                       " --worktree --base-branch B …)");
  if (o.parent) DROVER_TRY(validate_mail_sender(*o.parent));
  return ok_status();
}

// --worktree: the worktree comes before the session (git never runs inside a transaction).
// `orphan_guard` gets the worktrees lock: until the session exists, `clean --all` must not
// take the new worktree for an orphan.
Status create_sling_worktree(const ProjectPaths& p, store::Store& st, const SlingOptions& o,
                             SlingPlan& plan, os::FileLock& orphan_guard) {
  if (!o.worktree) return ok_status();
  DROVER_TRY(os::make_private_dirs(p.worktrees()));
  auto guard = os::FileLock::acquire(p.worktrees_lock(), std::chrono::seconds(30));
  if (!guard) return guard.error();
  orphan_guard = std::move(*guard);
  auto pre = st.read<Unit>([&](store::Tx& tx) -> Result<Unit> {
    DROVER_TRY(check_existing(tx.sessions().get(o.agent), o));
    return Unit{};
  });
  if (!pre) return pre.error();
  auto created = runner::create_worktree(p, o.agent, o.base_branch);
  if (!created) return created.error();
  plan.wt = *created;
  return ok_status();
}

Status report_slung(Context& ctx, const SlingOptions& o, const SlingPlan& plan,
                    std::int64_t dispatch_id, const std::optional<std::string>& old_worktree) {
  const auto& wt = plan.wt;
  if (old_worktree && (!wt || wt->path != *old_worktree) && os::is_directory(*old_worktree))
    ctx.out.info("the replaced session's worktree " + *old_worktree +
                 " stays ('drover clean --all' removes it)");
  notify_supervisor(ctx, !o.no_start);
  ctx.out.info("slung " + o.agent + " (" + plan.capability + ", " + plan.runtime + ")" +
               (wt ? " in " + wt->path + " on branch " + wt->branch : "") +
               "; follow it with 'drover status " + o.agent + "' or 'drover log " + o.agent +
               " --follow'");
  if (o.wait) return follow_agent(ctx, o.agent, FollowUntil::settled_idle, std::nullopt);
  ctx.out.document({{"agent", o.agent},
                    {"state", "booting"},
                    {"capability", plan.capability},
                    {"runtime", plan.runtime},
                    {"dispatch_id", dispatch_id},
                    {"worktree", wt ? nlohmann::json(wt->path) : nlohmann::json(nullptr)},
                    {"branch", wt ? nlohmann::json(wt->branch) : nlohmann::json(nullptr)}});
  return ok_status();
}

Status run_sling(Context& ctx, const SlingOptions& o) {
  if (o.batch) return run_sling_batch(ctx, o);
  DROVER_TRY(check_sling_options(o));
  auto budget = sling_budget(o);
  if (!budget) return budget.error();
  auto task = read_task(o);
  if (!task) return task.error();
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config();
  if (!cfg) return cfg.error();
  SlingPlan plan;
  plan.budget = *budget;
  plan.task = std::move(*task);
  DROVER_TRY(choose_capability_and_runtime(o, *p, *cfg, plan));
  warn_root_refusal(ctx, *cfg, plan.runtime);
  auto st = ctx.store();
  if (!st) return st.error();
  plan.from = o.parent.value_or(Context::self_name());

  os::FileLock orphan_guard;
  DROVER_TRY(create_sling_worktree(*p, **st, o, plan, orphan_guard));
  std::optional<std::string> old_worktree;  // of a replaced session: it stays, as an orphan
  auto dispatch = (*st)->write<std::int64_t>([&](store::Tx& tx) -> Result<std::int64_t> {
    return write_slung_agent(tx, o, plan, old_worktree);
  });
  if (!dispatch) return undo_sling_worktree(*p, plan, dispatch.error());
  orphan_guard.release();
  if (o.parent && !ctx.out.quiet) {
    auto nobody = (*st)->read<std::optional<std::string>>(
        [&](store::Tx& tx) -> Result<std::optional<std::string>> {
          return nobody_named(tx, *o.parent, "its reports will wait for an agent of that name");
        });
    if (nobody && *nobody) ctx.out.warn(**nobody);
  }
  return report_slung(ctx, o, plan, *dispatch, old_worktree);
}

}  // namespace

void install_sling(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<SlingOptions>();
  cmd->add_option("agent", o->agent, "agent name (not with --batch)");
  cmd->add_option("task", o->task_words, "the task ('-' reads stdin)");
  cmd->add_option("--file", o->file, "read the task from a file");
  cmd->add_option("--batch", o->batch,
                  "create many agents from FILE ('-' reads stdin), all or nothing: 'NAME TASK…' "
                  "lines, or a JSON array of {\"name\",\"task\",…}; the other flags are "
                  "their defaults");
  cmd->add_option("--capability", o->capability,
                  "builder, scout, reviewer, lead, merger, coordinator");
  cmd->add_option("--parent", o->parent, "the agent that receives its reports");
  cmd->add_option("--task-id", o->task_id, "an id of yours for the task");
  cmd->add_option("--runtime", o->runtime, "a runtime from config.toml");
  cmd->add_option("--model", o->model, "model passed to the runtime");
  cmd->add_flag("--wait", o->wait, "follow progress until the agent finishes or idles");
  cmd->add_flag("--no-start", o->no_start, "do not start the supervisor");
  cmd->add_flag("--replace", o->replace, "replace a finished agent of the same name");
  cmd->add_flag("--worktree", o->worktree,
                "run the agent in its own git worktree on branch drover/<agent>");
  cmd->add_option("--base-branch", o->base_branch,
                  "branch or commit the worktree starts from (default: HEAD)");
  cmd->add_option("--max-cost", o->max_cost, "its budget: at most this many USD over all turns");
  cmd->add_option("--max-turns", o->max_turns, "its budget: at most this many turns");
  cmd->add_option("--max-tokens", o->max_tokens, "its budget: at most this many tokens");
  on_run(cmd, ctx, [&ctx, o] { return run_sling(ctx, *o); });
}

}  // namespace drover::cli
