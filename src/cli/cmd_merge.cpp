// drover merge <agent> [--into B] [--squash] [--dry-run] (issue 17 item 6): merges the
// agent's branch drover/<agent> into its base branch in the project's checkout, and records
// the merge on the agent. Refuses (4) a live turn, a checkout on another branch or with
// uncommitted tracked changes, and a conflict — naming the conflicting files and leaving
// the checkout as it was.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/agent_branch.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/registry.h"
#include "core/clock.h"
#include "core/gate.h"
#include "core/merge_plan.h"
#include "core/names.h"
#include "core/text.h"
#include "runner/branch_merge.h"
#include "runner/terminal_mail.h"
#include "runner/worktree.h"
#include "store/gates.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::cli {

namespace {

struct MergeOptions {
  std::string agent;
  std::optional<std::string> into;
  bool squash = false;
  bool dry_run = false;
};

nlohmann::json merge_doc(const std::string& agent, const AgentBranch& b, const std::string& into,
                         const MergeOptions& o) {
  return {{"agent", agent},       {"branch", b.branch},
          {"into", into},         {"squash", o.squash},
          {"dry_run", o.dry_run}, {"merged", false},
          {"sha", nullptr},       {"conflicts", nlohmann::json::array()}};
}

Error merge_conflict_error(const std::string& branch, const std::string& into,
                           const std::vector<std::string>& files, bool dry_run) {
  return make_error(Errc::conflict,
                    std::string(dry_run ? "merging " : "cannot merge ") + branch + " into " + into +
                        (dry_run ? " would conflict" : ": conflicts") + " in " +
                        describe_conflicts(files) +
                        (dry_run ? ""
                                 : " (nothing was changed; resolve them on the branch, or "
                                   "merge by hand with 'git merge " +
                                       branch + "')"));
}

// A conflict is exit 4; with --json the document lists the files (for the merger's
// merge_failed payload) beside the usual error object.
Status report_conflicts(Context& ctx, nlohmann::json& doc, const Error& e,
                        const std::vector<std::string>& files) {
  if (ctx.out.json) {
    doc["conflicts"] = files;
    doc["error"] = {{"code", error_code_name(e.code)}, {"message", e.message}};
    ctx.out.document(doc);
    ctx.error_reported = true;
  }
  return e;
}

// Run by an agent ($DROVER_AGENT) whose capability has gate_before = ["merge"]: it must
// hold a gate for "merge" decided yes-like (core/gate.h). The operator is never gated.
Status check_merge_gate(Context& ctx, const ProjectPaths& p) {
  std::string actor = Context::self_name();
  if (actor == kOperator) return ok_status();
  auto st = ctx.store();
  if (!st) return st.error();
  struct Facts {
    std::optional<Session> session;
    std::optional<Gate> latest;
  };
  auto f = (*st)->read<Facts>([&](store::Tx& tx) -> Result<Facts> {
    return Facts{tx.sessions().get(actor), tx.gates().latest_decided(actor, "merge")};
  });
  if (!f) return f.error();
  if (!f->session) return ok_status();  // not one of this project's agents
  auto cap = runner::read_capability(p, f->session->capability);
  if (auto why = gate_requirement_unmet(cap, actor, "merge", f->latest))
    return make_error(Errc::conflict, "not merging: " + *why);
  return ok_status();
}

Status run_merge(Context& ctx, const MergeOptions& o) {
  auto p = ctx.project();
  if (!p) return p.error();
  auto s = find_agent_session(ctx, o.agent);
  if (!s) return s.error();
  auto b = agent_branch(*p, *s);
  if (!b) return b.error();
  if (o.into && (o.into->empty() || (*o.into)[0] == '-'))
    return make_error(Errc::usage, "--into '" + *o.into + "' is not a branch name");
  MergeFacts facts;
  facts.agent = s->name;
  facts.state = s->state;
  facts.target = o.into.value_or(b->base);
  auto target_exists = runner::local_branch_exists(*p, facts.target);
  if (!target_exists) return target_exists.error();
  if (!*target_exists && o.into)
    return make_error(Errc::not_found,
                      "branch " + facts.target + " does not exist (see 'git branch --list')");
  if (!*target_exists)
    return make_error(Errc::not_found, b->branch + " was made from " + facts.target +
                                           ", which is not a local branch (pass --into BRANCH)");
  facts.checked_out = runner::checked_out_branch(p->root.string());
  auto dirty = runner::checkout_tracked_changes(*p);
  if (!dirty) return dirty.error();
  facts.tracked_changes = *dirty;
  // A dry run touches nothing, so the checkout's branch and changes do not matter to it.
  if (o.dry_run) facts.checked_out = facts.target, facts.tracked_changes = 0;
  if (auto refused = merge_refusal(facts)) return *refused;
  if (!o.dry_run) DROVER_TRY(check_merge_gate(ctx, *p));

  auto doc = merge_doc(s->name, *b, facts.target, o);
  auto ahead = runner::commits_ahead(*p, facts.target, b->branch);
  if (!ahead) return ahead.error();
  doc["commits"] = *ahead;
  if (*ahead == 0) {
    ctx.out.document(doc);
    ctx.out.info("nothing to merge: " + b->branch + " has no commits that " + facts.target +
                 " lacks");
    return ok_status();
  }
  // Every merge is tried first where it touches nothing: a conflict is found and reported
  // without the checkout ever being half-merged.
  auto trial = runner::trial_merge(*p, facts.target, b->branch);
  if (!trial) return trial.error();
  if (!trial->conflicts.empty())
    return report_conflicts(
        ctx, doc, merge_conflict_error(b->branch, facts.target, trial->conflicts, o.dry_run),
        trial->conflicts);
  if (o.squash) {
    // Squashed before (the branch's commits stay off the target): nothing would change.
    auto target_tree = runner::tree_of(*p, facts.target);
    if (!target_tree) return target_tree.error();
    if (*target_tree == trial->tree) {
      ctx.out.document(doc);
      ctx.out.info("nothing to merge: " + facts.target + " already has every change of " +
                   b->branch);
      return ok_status();
    }
  }
  std::string what = std::to_string(*ahead) + " commit" + (*ahead == 1 ? "" : "s");
  if (o.dry_run) {
    ctx.out.document(doc);
    ctx.out.info("would merge " + b->branch + " (" + what + ") into " + facts.target +
                 (o.squash ? " as one squashed commit" : "") + " without conflicts");
    return ok_status();
  }
  // The tip is read once and merged by its sha: what is recorded is exactly what was merged.
  auto tip = runner::branch_tip(*p, b->branch);
  if (!tip) return tip.error();
  auto done = runner::merge_branch(*p, *tip, merge_message(b->branch, s->task), o.squash);
  if (!done) return done.error();
  if (!done->conflicts.empty())
    return report_conflicts(ctx, doc,
                            merge_conflict_error(b->branch, facts.target, done->conflicts, false),
                            done->conflicts);
  store::MergeRecord rec;
  rec.sha = done->sha;
  rec.into = facts.target;
  rec.head = *tip;
  rec.at = now_timestamp();
  auto st = ctx.store();
  if (!st) return st.error();
  auto recorded = (*st)->write<bool>(
      [&](store::Tx& tx) -> Result<bool> { return tx.sessions().record_merge(s->name, rec); });
  if (!recorded) return recorded.error();
  doc["merged"] = true;
  doc["sha"] = done->sha;
  ctx.out.document(doc);
  ctx.out.info("merged " + b->branch + " (" + what + ") into " + facts.target + " at " +
               done->sha.substr(0, 12) + (o.squash ? " (squashed)" : ""));
  return ok_status();
}

}  // namespace

void install_merge(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<MergeOptions>();
  cmd->add_option("agent", o->agent, "agent name")->required();
  cmd->add_option("--into", o->into, "the branch to merge into (default: the branch's base)");
  cmd->add_flag("--squash", o->squash, "make one commit of the branch's changes");
  cmd->add_flag("--dry-run", o->dry_run, "say what would happen, changing nothing");
  on_run(cmd, ctx, [&ctx, o] { return run_merge(ctx, *o); });
}

}  // namespace drover::cli
