// drover clean [--agent A | --terminal | --all] (SPEC §6.9): forgets finished agents — their
// worktrees, branches, logs and rows — and never touches a live one (docs/decisions.md).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>

#include "cli/context.h"
#include "cli/registry.h"
#include "cli/worktree_cleanup.h"
#include "core/clock.h"
#include "core/names.h"
#include "core/worktree_users.h"
#include "os/file_lock.h"
#include "os/files.h"
#include "runner/turn_lease.h"
#include "runner/worktree.h"
#include "store/sessions.h"

namespace drover::cli {

namespace {

struct CleanOptions {
  std::optional<std::string> agent;
  bool terminal = false, all = false;
};

struct Outcome {
  nlohmann::json cleaned = nlohmann::json::array();
  nlohmann::json skipped = nlohmann::json::array();
  std::optional<Error> first_error;
  std::vector<std::string> attempted;    // worktree paths already handled with their agent
  std::vector<runner::TurnLease> locks;  // turn leases of the chosen agents, held to the end
  // A problem with one agent: noted in its entry and on stderr; the others go on.
  void fail(Context& ctx, nlohmann::json& entry, const Error& e) {
    if (!first_error) first_error = e;
    entry["error"] = e.message;
    ctx.out.warn(e.message);
  }
};

Result<std::vector<Session>> all_sessions(store::Store& st) {
  return st.read<std::vector<Session>>(
      [](store::Tx& tx) -> Result<std::vector<Session>> { return tx.sessions().list(); });
}

// An agent that never ran has no directory yet: the lock file is created to be held.
Result<runner::TurnLease> take_turn_lock(const ProjectPaths& p, const std::string& agent) {
  DROVER_TRY(os::make_private_dirs(p.agent_dir(agent)));
  return runner::TurnLease::take(p, agent);
}

// The finished agents this run may forget. A named agent that is live, or whose turn lock
// a runner still holds (it is settling), is a conflict; with --terminal/--all it is skipped.
// The turn lock of each chosen agent is taken and held until its files are gone, so no
// runner (a `sling` reusing the name, a `resume`) can start in them meanwhile.
Result<std::vector<Session>> choose(const ProjectPaths& p, const CleanOptions& o,
                                    const std::vector<Session>& sessions, Outcome& out) {
  std::vector<Session> chosen;
  if (o.agent) {
    const Session* s = nullptr;
    for (const auto& x : sessions)
      if (x.name == *o.agent) s = &x;
    if (!s)
      return make_error(Errc::not_found,
                        "no agent named '" + *o.agent +
                            "' (see 'drover status --all'; 'drover clean --all' also removes "
                            "worktrees no agent owns)");
    if (!is_terminal(s->state))
      return make_error(
          Errc::conflict,
          "agent '" + *o.agent + "' is " + std::string(to_string(s->state)) +
              ": clean only removes finished agents (stop it first with 'drover stop " + *o.agent +
              "')");
    auto lock = take_turn_lock(p, s->name);
    if (!lock && lock.error().code == Errc::conflict)
      return make_error(Errc::conflict, "a runner still holds the turn lock of '" + *o.agent +
                                            "' (try again in a moment)");
    if (!lock) return lock.error();
    out.locks.push_back(std::move(*lock));
    chosen.push_back(*s);
    return chosen;
  }
  for (const auto& s : sessions) {
    if (!is_terminal(s.state)) continue;
    auto lock = take_turn_lock(p, s.name);
    if (!lock) {
      out.skipped.push_back(
          {{"agent", s.name},
           {"reason", lock.error().code == Errc::conflict ? "a runner holds its turn lock"
                                                          : lock.error().message}});
      continue;
    }
    out.locks.push_back(std::move(*lock));
    chosen.push_back(s);
  }
  return chosen;
}

// Rows first: once they are gone nobody can resume the agent, so nothing removed after
// this can come back into use by it. An agent that became live meanwhile is kept.
Result<std::vector<Session>> purge_rows(store::Store& st, const CleanOptions& o,
                                        const std::vector<Session>& chosen, Outcome& out) {
  return st.write<std::vector<Session>>([&](store::Tx& tx) -> Result<std::vector<Session>> {
    std::vector<Session> gone;
    std::string now = now_timestamp();
    for (const auto& s : chosen) {
      auto r = tx.sessions().purge(s.name, now);
      if (r) {
        gone.push_back(s);
        continue;
      }
      if (o.agent) return r.error();
      out.skipped.push_back({{"agent", s.name}, {"reason", r.error().message}});
    }
    return gone;
  });
}

void remove_files(Context& ctx, const ProjectPaths& p, const Session& s,
                  const std::vector<Session>& remaining, Outcome& out) {
  nlohmann::json j = {{"agent", s.name}, {"orphan", false}};
  std::string text = "cleaned " + s.name;
  if (s.worktree) out.attempted.push_back(*s.worktree);
  auto c = remove_agent_worktree(p, s, remaining);
  if (c) {
    add_cleanup_json(j, *c);
    text += cleanup_text(*c);
  } else {
    add_cleanup_json(j, WorktreeCleanup{});
    out.fail(ctx, j,
             make_error(c.error().code, "cleaned " + s.name + ", but " + c.error().message));
  }
  for (const auto& dir : {p.agent_logs(s.name), p.agent_dir(s.name)})
    if (auto r = os::remove_tree(dir); !r) out.fail(ctx, j, r.error());
  out.cleaned.push_back(j);
  ctx.out.info(text);
}

// --all: directories under .drover/worktrees/ that no session names (left by `sling
// --replace` without --worktree, a crash, or a worktree whose row was deleted by hand).
void remove_orphans(Context& ctx, const ProjectPaths& p, const std::vector<Session>& remaining,
                    Outcome& out) {
  std::error_code ec;
  std::vector<std::string> names;
  for (const auto& e : std::filesystem::directory_iterator(p.worktrees(), ec)) {
    std::string name = e.path().filename().string();
    // Real directories only: git would follow a symlink into someone else's worktree.
    if (!e.is_directory(ec) || e.is_symlink(ec) || !validate_agent_name(name)) continue;
    // A directory named after an agent that still has a session is that agent's, even if
    // its recorded path is spelled differently (a moved project).
    bool owned = std::any_of(remaining.begin(), remaining.end(),
                             [&](const Session& s) { return s.name == name; });
    if (!owned) names.push_back(name);
  }
  std::sort(names.begin(), names.end());
  for (const auto& name : names) {
    std::string path = p.worktree(name).lexically_normal().string();
    if (!other_worktree_users(remaining, "", path, std::nullopt).empty()) continue;
    if (std::find(out.attempted.begin(), out.attempted.end(), path) != out.attempted.end())
      continue;
    // The branch checked out there goes too, when it is one of ours and nobody uses it.
    std::optional<std::string> branch = runner::checked_out_branch(path);
    if (branch && (branch->rfind("drover/", 0) != 0 ||
                   !other_worktree_users(remaining, "", std::nullopt, branch).empty()))
      branch.reset();
    Session orphan;
    orphan.name = name;
    orphan.worktree = path;
    orphan.branch = branch;
    nlohmann::json j = {{"agent", name}, {"orphan", true}};
    auto c = remove_agent_worktree(p, orphan, {});
    if (!c) {
      out.fail(ctx, j, c.error());
      out.cleaned.push_back(j);
      continue;
    }
    add_cleanup_json(j, *c);
    out.cleaned.push_back(j);
    ctx.out.info("removed orphan worktree " + name + cleanup_text(*c));
  }
}

Status run_clean(Context& ctx, const CleanOptions& o) {
  if (int(o.agent.has_value()) + int(o.terminal) + int(o.all) != 1)
    return make_error(Errc::usage,
                      "say what to clean: --agent A, --terminal (every finished agent) or --all "
                      "(finished agents and worktrees no agent owns)");
  if (o.agent) DROVER_TRY(validate_agent_name(*o.agent));
  auto p = ctx.project();
  if (!p) return p.error();
  auto st = ctx.store();
  if (!st) return st.error();

  // --all looks for worktrees without a session: no sling may be between creating one
  // and writing its session meanwhile.
  os::FileLock guard;
  if (o.all) {
    DROVER_TRY(os::make_private_dirs(p->worktrees()));
    auto g = os::FileLock::acquire(p->worktrees_lock(), std::chrono::seconds(30));
    if (!g) return g.error();
    guard = std::move(*g);
  }
  auto sessions = all_sessions(**st);
  if (!sessions) return sessions.error();
  Outcome out;
  auto chosen = choose(*p, o, *sessions, out);
  if (!chosen) return chosen.error();
  auto gone = purge_rows(**st, o, *chosen, out);
  if (!gone) return gone.error();
  auto remaining = all_sessions(**st);
  if (!remaining) return remaining.error();
  for (const auto& s : *gone) remove_files(ctx, *p, s, *remaining, out);
  if (o.all) remove_orphans(ctx, *p, *remaining, out);

  ctx.out.document({{"cleaned", out.cleaned}, {"skipped", out.skipped}, {"ok", !out.first_error}});
  for (const auto& s : out.skipped)
    ctx.out.info("kept " + s["agent"].get<std::string>() + ": " + s["reason"].get<std::string>());
  if (out.cleaned.empty() && !out.first_error) ctx.out.info("nothing to clean");
  if (!out.first_error) return ok_status();
  // Already said (stderr, or an "error" in the document): the error only sets the exit code.
  ctx.error_reported = true;
  return *out.first_error;
}

}  // namespace

void install_clean(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<CleanOptions>();
  cmd->add_option("--agent", o->agent, "one finished agent");
  cmd->add_flag("--terminal", o->terminal, "every finished agent");
  cmd->add_flag("--all", o->all,
                "every finished agent, and worktrees under .drover/worktrees no agent owns");
  on_run(cmd, ctx, [&ctx, o] { return run_clean(ctx, *o); });
}

}  // namespace drover::cli
