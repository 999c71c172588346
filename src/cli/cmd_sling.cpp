// drover sling <agent> [TASK…] (SPEC §6.1): create the agent and its dispatch mail in one
// transaction, make sure the supervisor runs, and return at once (or follow with --wait).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <iostream>
#include <iterator>
#include <memory>

#include "cli/context.h"
#include "cli/follow.h"
#include "cli/mail_common.h"
#include "cli/registry.h"
#include "cli/wake.h"
#include "core/budget.h"
#include "core/clock.h"
#include "core/doctor_report.h"
#include "core/names.h"
#include "core/suggest.h"
#include "core/text.h"
#include "os/file_lock.h"
#include "os/files.h"
#include "os/host.h"
#include "runner/worktree.h"
#include "store/mail.h"
#include "store/sessions.h"

namespace drover::cli {

namespace {

struct SlingOptions {
  std::string agent;
  std::vector<std::string> task_words;
  std::optional<std::string> file, capability, parent, task_id, runtime, model, base_branch;
  std::optional<std::string> max_cost, max_turns, max_tokens;  // the agent's own budget
  bool wait = false, no_start = false, replace = false, worktree = false;
};

// An existing session of the same name is a conflict unless it is finished and --replace
// was given (SPEC §6.1).
Status check_existing(const std::optional<Session>& old, const SlingOptions& o) {
  if (!old) return ok_status();
  if (!is_terminal(old->state))
    return make_error(Errc::conflict, "agent '" + o.agent + "' already exists and is " +
                                          std::string(to_string(old->state)) +
                                          " (send it work with 'drover nudge " + o.agent +
                                          " \"…\"')");
  if (!o.replace)
    return make_error(Errc::conflict, "agent '" + o.agent + "' already exists and is " +
                                          std::string(to_string(old->state)) +
                                          " (continue it with 'drover resume " + o.agent +
                                          "', or start over with 'drover sling " + o.agent +
                                          " --replace …')");
  return ok_status();
}

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
  DROVER_TRY(validate_agent_name(o.agent));
  if (o.base_branch && !o.worktree)
    return make_error(Errc::usage, "--base-branch needs --worktree (drover sling " + o.agent +
                                       " --worktree --base-branch B …)");
  if (o.parent) DROVER_TRY(validate_mail_sender(*o.parent));
  return ok_status();
}

// What one sling writes, settled before its transaction.
struct SlingPlan {
  std::string task, capability, runtime, from;
  BudgetLimits budget;
  std::optional<runner::CreatedWorktree> wt;
};

// The capability (a file under .drover/capabilities) and the runtime (a table in config),
// from the options or the config's defaults.
Status choose_capability_and_runtime(const SlingOptions& o, const ProjectPaths& p,
                                     const Config& cfg, SlingPlan& plan) {
  plan.capability = o.capability.value_or(cfg.defaults.capability);
  plan.runtime = o.runtime.value_or(cfg.defaults.runtime);
  if (auto v = validate_agent_name(plan.capability); !v)
    return make_error(Errc::usage, "invalid --capability '" + plan.capability + "'");
  if (!std::filesystem::exists(p.capabilities() / (plan.capability + ".md"))) {
    std::vector<std::string> known;
    std::error_code ec;
    for (const auto& e : std::filesystem::directory_iterator(p.capabilities(), ec))
      if (e.path().extension() == ".md") known.push_back(e.path().stem().string());
    std::sort(known.begin(), known.end());
    auto near = closest_word(plan.capability, known);
    return make_error(
        Errc::usage,
        "unknown capability '" + plan.capability + "'" +
            (near ? " (did you mean '" + *near + "'?)" : "") + ": " +
            (known.empty() ? "none is defined (run 'drover init --force')"
                           : "use " + quoted_list(known) + ", or add .drover/capabilities/" +
                                 plan.capability + ".md"));
  }
  if (!cfg.runtimes.count(plan.runtime)) {
    std::vector<std::string> known;
    for (const auto& [name, rt] : cfg.runtimes) known.push_back(name);
    auto near = closest_word(plan.runtime, known);
    return make_error(Errc::usage,
                      "unknown runtime '" + plan.runtime + "'" +
                          (near ? " (did you mean '" + *near + "'?)" : "") + ": " +
                          (known.empty() ? "" : "use " + quoted_list(known) + ", or ") +
                          "add [runtimes." + plan.runtime + "] to .drover/config.toml");
  }
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

// A finished session of the same name goes (--replace); its worktree is not removed and
// is returned, so the operator can be told it stays.
Result<std::optional<std::string>> retire_replaced_session(store::Tx& tx, const SlingOptions& o) {
  auto old = tx.sessions().get(o.agent);
  if (!old) return std::optional<std::string>();
  DROVER_TRY(check_existing(old, o));
  // A replacement starts clean: the old session's unread mail is retired with it.
  auto now = now_timestamp();
  for (const auto& m : tx.mail().unread_for(o.agent)) tx.mail().mark_read(m.id, now);
  tx.sessions().remove(o.agent);
  return old->worktree;
}

Session slung_session(store::Tx& tx, const SlingOptions& o, const SlingPlan& plan) {
  Session s;
  s.name = o.agent;
  s.capability = plan.capability;
  s.runtime = plan.runtime;
  s.model = o.model;
  s.task = plan.task;
  s.task_id = o.task_id;
  s.parent = o.parent;
  s.budget = plan.budget;
  if (o.parent)
    if (auto parent = tx.sessions().get(*o.parent)) s.depth = parent->depth + 1;
  s.state = SessionState::booting;
  if (plan.wt) {
    s.worktree = plan.wt->path;
    s.branch = plan.wt->branch;
    s.head_sha = plan.wt->base_sha;
    s.dirty_summary = "clean";
  }
  s.created_at = s.last_activity = now_timestamp();
  return s;
}

// One transaction: the session (replacing a finished one) and its dispatch mail; returns
// the dispatch mail's id.
Result<std::int64_t> write_slung_agent(store::Tx& tx, const SlingOptions& o, const SlingPlan& plan,
                                       std::optional<std::string>& old_worktree) {
  auto replaced = retire_replaced_session(tx, o);
  if (!replaced) return replaced.error();
  old_worktree = *replaced;
  DROVER_TRY(tx.sessions().insert(slung_session(tx, o, plan)));
  MailMessage m;
  m.from = plan.from;
  m.to = o.agent;
  m.type = "dispatch";
  m.subject = "dispatch: " + one_line_summary(plan.task, 60);
  m.body = plan.task;
  return tx.mail().insert(m);
}

// A sling whose session could not be written leaves nothing behind: its new worktree goes.
Error undo_sling_worktree(const ProjectPaths& p, const SlingPlan& plan, const Error& e) {
  if (!plan.wt) return e;
  if (auto rm = runner::remove_worktree(p, plan.wt->path, plan.wt->branch); !rm)
    return make_error(e.code, e.message + " (and its new worktree could not be removed: " +
                                  rm.error().message + ")");
  return e;
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

// Claude Code refuses bypassPermissions as root: said before the agent is created, since
// every turn of it would fail at once (the one check doctor makes too).
void warn_root_refusal(Context& ctx, const Config& cfg, const std::string& runtime) {
  auto rt = cfg.runtimes.find(runtime);
  if (rt == cfg.runtimes.end() || !os::running_as_root() ||
      !doctor::skips_permissions(rt->second.command))
    return;
  ctx.out.alert("drover: warning: " + doctor::root_refusal_warning(runtime));
}

// --max-cost, --max-turns, --max-tokens: the agent's own limits (core/budget.h).
Result<BudgetLimits> sling_budget(const SlingOptions& o) {
  BudgetLimits b;
  if (o.max_cost) {
    auto v = parse_cost_limit(*o.max_cost, "--max-cost");
    if (!v) return v.error();
    b.max_cost_usd = *v;
  }
  for (auto [text, flag, out] : {std::tuple{&o.max_turns, "--max-turns", &b.max_turns},
                                 std::tuple{&o.max_tokens, "--max-tokens", &b.max_tokens}}) {
    if (!*text) continue;
    auto v = parse_count_limit(**text, flag);
    if (!v) return v.error();
    *out = *v;
  }
  return b;
}

Status run_sling(Context& ctx, const SlingOptions& o) {
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
  cmd->add_option("agent", o->agent, "agent name")->required();
  cmd->add_option("task", o->task_words, "the task ('-' reads stdin)");
  cmd->add_option("--file", o->file, "read the task from a file");
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
