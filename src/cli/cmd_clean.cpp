// drover clean [--agent A | --terminal | --all] (SPEC §6.9): forgets finished agents — their
// worktrees, branches, logs and rows — and never touches a live one (docs/decisions.md).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>

#include "cli/context.h"
#include "cli/gates.h"
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
  bool force = false;  // remove worktrees and branches even when they hold unmerged work
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

// The finished agents this run may forget. A named agent that is live, or whose turn lock
// a runner still holds (it is settling), is a conflict; with --terminal/--all it is skipped.
// The turn lock of each chosen agent is taken and held until its files and rows are gone,
// so no runner (a `sling` reusing the name, a `resume`) can start in them meanwhile.
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
    // Waits: another `clean` of this agent may be finishing, and then it is done.
    auto lock = take_cleanup_lock(p, s->name, kCleanupLockWait);
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
    auto lock = take_cleanup_lock(p, s.name, std::nullopt);
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

// The session as it is now, under its turn lock: nullopt when it is gone (a concurrent
// `clean` forgot it: that counts as done).
Result<std::optional<Session>> reread(store::Store& st, const std::string& name) {
  return st.read<std::optional<Session>>(
      [&](store::Tx& tx) -> Result<std::optional<Session>> { return tx.sessions().get(name); });
}

// One agent: worktree and branch, then logs, then its rows (so a refusal or a failure to
// remove a file leaves the agent there to retry), then its directory with the turn lock.
void clean_one(Context& ctx, const ProjectPaths& p, store::Store& st, const CleanOptions& o,
               const Session& chosen, Outcome& out) {
  nlohmann::json j = {{"agent", chosen.name}, {"orphan", false}};
  auto now = reread(st, chosen.name);
  if (!now) return out.fail(ctx, j, now.error());
  if (!*now) {  // already cleaned by someone else
    add_cleanup_json(j, WorktreeCleanup{});
    j["already_cleaned"] = true;
    out.cleaned.push_back(j);
    ctx.out.info("cleaned " + chosen.name + " (already cleaned)");
    return;
  }
  const Session& s = **now;
  if (!is_terminal(s.state)) {
    std::string why = "it is " + std::string(to_string(s.state)) + " again (resumed meanwhile)";
    if (o.agent) return out.fail(ctx, j, make_error(Errc::conflict, "kept " + s.name + ": " + why));
    out.skipped.push_back({{"agent", s.name}, {"reason", why}});
    return;
  }
  auto sessions = all_sessions(st);
  if (!sessions) return out.fail(ctx, j, sessions.error());
  if (s.worktree) out.attempted.push_back(*s.worktree);
  auto c = remove_agent_worktree(p, s, *sessions, o.force);
  if (!c) {
    add_cleanup_json(j, WorktreeCleanup{});
    out.fail(ctx, j,
             make_error(c.error().code, "cannot clean " + s.name + ": " + c.error().message));
    out.cleaned.push_back(j);
    return;
  }
  if (c->unmerged) {
    Error e = unmerged_error("cleaning " + s.name, *c,
                             "use 'drover clean --agent " + s.name + " --force'");
    if (o.agent) return out.fail(ctx, j, e);
    out.skipped.push_back({{"agent", s.name}, {"reason", e.message}, {"unmerged", *c->unmerged}});
    return;
  }
  add_cleanup_json(j, *c);
  std::string text = "cleaned " + s.name + cleanup_text(*c);
  bool files_ok = true;
  if (auto r = os::remove_tree(p.agent_logs(s.name)); !r) {
    out.fail(ctx, j, r.error());
    files_ok = false;
  }
  if (files_ok) {
    // Gates it left open (it finished without an answer) are closed and say why.
    if (auto closed = close_gates(st, s.name, s.name + " was cleaned", Context::self_name());
        !closed)
      ctx.out.warn("could not close the gates of " + s.name + ": " + closed.error().message);
    auto purged = st.write<bool>([&](store::Tx& tx) -> Result<bool> {
      auto r = tx.sessions().purge(s.name, now_timestamp());
      if (!r && r.error().code == Errc::not_found) return false;  // forgotten meanwhile
      if (!r) return r.error();
      return true;
    });
    if (!purged) {
      out.fail(ctx, j, purged.error());
    } else if (auto r = os::remove_tree(p.agent_dir(s.name)); !r) {
      out.fail(ctx, j, r.error());
    }
  }
  out.cleaned.push_back(j);
  ctx.out.info(text);
}

// --all: directories under .drover/worktrees/ that no session names (left by `sling
// --replace` without --worktree, a crash, or a worktree whose row was deleted by hand).
void remove_orphans(Context& ctx, const ProjectPaths& p, const CleanOptions& o,
                    const std::vector<Session>& remaining, Outcome& out) {
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
    auto c = remove_agent_worktree(p, orphan, {}, o.force);
    if (!c) {
      out.fail(ctx, j, c.error());
      out.cleaned.push_back(j);
      continue;
    }
    if (c->unmerged) {
      Error e = unmerged_error("removing the orphan worktree " + name, *c,
                               "use 'drover clean --all --force'");
      out.skipped.push_back(
          {{"agent", name}, {"orphan", true}, {"reason", e.message}, {"unmerged", *c->unmerged}});
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
  for (const auto& s : *chosen) clean_one(ctx, *p, **st, o, s, out);
  if (o.all) {
    auto remaining = all_sessions(**st);
    if (!remaining) return remaining.error();
    remove_orphans(ctx, *p, o, *remaining, out);
  }

  ctx.out.document({{"cleaned", out.cleaned}, {"skipped", out.skipped}, {"ok", !out.first_error}});
  for (const auto& s : out.skipped)
    ctx.out.info("kept " + s["agent"].get<std::string>() + ": " + s["reason"].get<std::string>());
  if (out.cleaned.empty() && out.skipped.empty() && !out.first_error)
    ctx.out.info("nothing to clean");
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
  cmd->add_flag("--force", o->force,
                "remove worktrees and branches even when they hold commits no other branch has "
                "or uncommitted changes");
  on_run(cmd, ctx, [&ctx, o] { return run_clean(ctx, *o); });
}

}  // namespace drover::cli
