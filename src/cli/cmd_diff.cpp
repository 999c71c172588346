// drover diff <agent> [--stat] (issue 17 item 6): what the agent's branch drover/<agent>
// changed since it left its base — `git diff <base>...drover/<agent>` — plus a note on
// changes in its worktree that are not committed (a merge takes commits only). Read-only.
#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>

#include "cli/agent_branch.h"
#include "cli/context.h"
#include "cli/registry.h"
#include "core/text.h"
#include "runner/branch_merge.h"
#include "runner/worktree.h"

namespace drover::cli {

namespace {

struct DiffOptions {
  std::string agent;
  bool stat = false;
};

// The worktree's uncommitted changes ("2 modified"), nullopt when clean or unreadable.
std::optional<std::string> uncommitted_in(const Session& s) {
  std::error_code ec;
  if (!s.worktree || !std::filesystem::is_directory(*s.worktree, ec)) return std::nullopt;
  auto dirty = runner::dirty_summary(*s.worktree);
  if (!dirty || *dirty == "clean") return std::nullopt;
  return *dirty;
}

Status run_diff(Context& ctx, const DiffOptions& o) {
  auto p = ctx.project();
  if (!p) return p.error();
  auto s = find_agent_session(ctx, o.agent);
  if (!s) return s.error();
  auto b = agent_branch(*p, *s);
  if (!b) return b.error();
  auto diff = runner::branch_diff(*p, b->base, b->branch, o.stat);
  if (!diff) return diff.error();
  auto uncommitted = uncommitted_in(*s);
  std::string note;
  if (uncommitted)
    note = "plus " + *uncommitted + " in " + *s->worktree +
           " not committed — the merge takes commits only";
  if (ctx.out.json) {
    ctx.out.document({{"agent", s->name},
                      {"branch", b->branch},
                      {"base", b->base},
                      {o.stat ? "stat" : "diff", *diff},
                      {"uncommitted", uncommitted ? nlohmann::json(*uncommitted) : nullptr}});
    return ok_status();
  }
  if (diff->empty()) ctx.out.info(b->branch + " has no changes against " + b->base);
  else
    ctx.out.data(escape_control_keep_lines(
        diff->back() == '\n' ? std::string_view(*diff).substr(0, diff->size() - 1) : *diff));
  if (!note.empty()) ctx.out.warn(escape_control(note));
  return ok_status();
}

}  // namespace

void install_diff(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<DiffOptions>();
  cmd->add_option("agent", o->agent, "agent name")->required();
  cmd->add_flag("--stat", o->stat, "files changed and lines added/removed, not the full diff");
  on_run(cmd, ctx, [&ctx, o] { return run_diff(ctx, *o); });
}

}  // namespace drover::cli
