// drover stop <agent> [--tree] | --all [--grace D] [--clean-worktree] (SPEC §6.3; --tree:
// issue 17, docs/steering.md "Stopping a tree"). Works with or without a supervisor. The
// open gates of every agent it stops are closed (cli/gates.h).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <memory>

#include "cli/context.h"
#include "cli/gates.h"
#include "cli/registry.h"
#include "cli/worktree_cleanup.h"
#include "core/names.h"
#include "core/stop_tree.h"
#include "os/files.h"
#include "runner/stop_agent.h"
#include "runner/turn_lease.h"
#include "store/sessions.h"

namespace drover::cli {

namespace {

struct StopOptions {
  std::optional<std::string> agent;
  bool all = false;
  bool tree = false;  // the agent and every agent below it, deepest first
  std::optional<std::string> grace;
  bool clean_worktree = false;
  bool force = false;  // --clean-worktree even when the worktree holds unmerged work
};

nlohmann::json report_json(const runner::StopReport& r) {
  return {{"agent", r.agent},
          {"state", r.state},
          {"signalled", r.signalled},
          {"stale_turn_pid", r.stale_turn_pid},
          {"settled_by_runner", r.settled_by_runner}};
}

std::string report_text(const runner::StopReport& r) {
  std::string s = "stopped " + r.agent;
  if (r.signalled) s += " (its turn was killed)";
  if (r.stale_turn_pid) s += " (removed a stale turn.pid; nothing was signalled)";
  return s;
}

// --clean-worktree, after the agent is stopped: its worktree and branch go, unless another
// agent uses them. Holding its turn lock while it removes them: a runner still settling
// the last turn, or a `resume` that starts a new one, cannot run in a deleted directory.
Status clean_after_stop(const ProjectPaths& p, store::Store& st, const std::string& agent,
                        bool force, nlohmann::json& j, std::string& text) {
  auto lock = take_cleanup_lock(p, agent, kCleanupLockWait);
  if (!lock)
    return make_error(Errc::conflict, "stopped " + agent +
                                          ", but a runner still holds its turn lock; "
                                          "remove the worktree later with 'drover clean --agent " +
                                          agent + "'");
  auto sessions = st.read<std::vector<Session>>(
      [](store::Tx& tx) -> Result<std::vector<Session>> { return tx.sessions().list(); });
  if (!sessions) return sessions.error();
  for (const auto& s : *sessions) {
    if (s.name != agent) continue;
    if (!is_terminal(s.state))
      return make_error(Errc::conflict, "stopped " + agent + ", but it is " +
                                            std::string(to_string(s.state)) +
                                            " again (resumed meanwhile); its worktree was kept");
    auto c = remove_agent_worktree(p, s, *sessions, force);
    if (!c) return make_error(c.error().code, "stopped " + agent + ", but " + c.error().message);
    if (c->unmerged)
      return unmerged_error("stopped " + agent + " and kept its worktree: removing it", *c,
                            "use 'drover clean --agent " + agent + " --force'");
    add_cleanup_json(j, *c);
    text += cleanup_text(*c);
    if (!s.worktree) text += " (it has no worktree)";
  }
  return ok_status();
}

// After a stop: the agent's open gates are closed ("closed: alice was stopped"). A failure
// here is a warning: the agent is stopped, and decide still refuses on a finished asker.
void close_after_stop(Context& ctx, store::Store& st, const std::string& agent, nlohmann::json& j,
                      std::string& text) {
  auto closed = close_gates(st, agent, agent + " was stopped", Context::self_name());
  if (!closed) {
    ctx.out.warn("stopped " + agent + ", but could not close its gates: " + closed.error().message);
    return;
  }
  nlohmann::json ids = nlohmann::json::array();
  for (const auto& g : *closed) ids.push_back(g.id);
  j["gates_closed"] = ids;
  if (!closed->empty())
    text += "; closed " + std::to_string(closed->size()) +
            (closed->size() == 1 ? " open gate" : " open gates");
}

// --tree: every live agent of the tree is marked stopping first (no new turn, no new
// child from a new turn), then stopped deepest first; only the top's death is reported.
Status stop_tree(Context& ctx, const StopOptions& o, const ProjectPaths& p, const Config& cfg,
                 store::Store& st, Millis grace, const std::string& host) {
  auto all = st.read<std::vector<Session>>(
      [](store::Tx& tx) -> Result<std::vector<Session>> { return tx.sessions().list(); });
  if (!all) return all.error();
  auto order = stop_tree_order(*o.agent, *all);
  if (order.empty())
    return make_error(Errc::not_found, "no agent named '" + *o.agent + "' (see 'drover status')");
  if (std::none_of(order.begin(), order.end(), [](const TreeMember& m) { return m.live; }))
    return make_error(Errc::conflict, "agent '" + *o.agent +
                                          "' and every agent below it already finished "
                                          "(nothing to stop)");
  auto marked = st.write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    for (const auto& m : order)
      if (m.live) tx.sessions().request_stop(m.name, m.quiet);
    return Unit{};
  });
  if (!marked) return marked.error();
  nlohmann::json stopped = nlohmann::json::array(), finished = nlohmann::json::array();
  std::optional<Error> first_error;
  int n = 0;
  for (const auto& m : order) {
    auto state_of = [&]() -> std::string {
      for (const auto& s : *all)
        if (s.name == m.name) return std::string(to_string(s.state));
      return "gone";
    };
    if (!m.live) {
      finished.push_back({{"agent", m.name}, {"state", state_of()}});
      ctx.out.info("already finished: " + m.name + " (" + state_of() + ")");
      continue;
    }
    auto r = runner::stop_agent(p, cfg, st, m.name, grace, m.quiet, host);
    if (!r && r.error().code == Errc::conflict) {
      // Terminal by now. `stopped`: the stop marked above was carried out by the agent's
      // runner first (a supervisor ends the turn of an agent whose stop was asked for,
      // docs/hosts.md), so it is reported as stopped. Anything else: it finished by itself.
      auto now =
          st.read<std::optional<Session>>([&](store::Tx& tx) -> Result<std::optional<Session>> {
            return tx.sessions().get(m.name);
          });
      std::string state = now && *now ? std::string(to_string((*now)->state)) : "gone";
      if (state == to_string(SessionState::stopped)) {
        runner::StopReport by_runner;
        by_runner.agent = m.name;
        by_runner.settled_by_runner = true;
        by_runner.state = state;
        r = by_runner;
      } else {
        finished.push_back({{"agent", m.name}, {"state", state}});
        ctx.out.info("already finished: " + m.name + " (" + state + ")");
        continue;
      }
    }
    if (!r) {
      if (!first_error) first_error = r.error();
      ctx.out.warn("could not stop " + m.name + ": " + r.error().message);
      stopped.push_back({{"agent", m.name}, {"error", r.error().message}});
      continue;
    }
    ++n;
    nlohmann::json j = report_json(*r);
    j["level"] = m.level;
    j["worker_died_suppressed"] = m.quiet;
    std::string text = report_text(*r);
    close_after_stop(ctx, st, m.name, j, text);
    if (o.clean_worktree) {
      if (auto c = clean_after_stop(p, st, m.name, o.force, j, text); !c) {
        if (!first_error) first_error = c.error();
        ctx.out.warn(c.error().message);
        j["error"] = c.error().message;
      }
    }
    stopped.push_back(j);
    ctx.out.info(text);
  }
  ctx.out.document({{"top", *o.agent},
                    {"agents", stopped},
                    {"already_finished", finished},
                    {"state", "stopped"},
                    {"ok", !first_error}});
  if (first_error) {
    ctx.error_reported = true;
    return *first_error;
  }
  ctx.out.info("stopped " + std::to_string(n) + (n == 1 ? " agent" : " agents") +
               " of the tree of " + *o.agent);
  return ok_status();
}

Status run_stop(Context& ctx, const StopOptions& o) {
  if (o.all == o.agent.has_value())
    return make_error(Errc::usage,
                      "name one agent or use --all (drover stop <agent> | drover stop --all)");
  if (o.tree && o.all)
    return make_error(Errc::usage,
                      "--tree stops one agent and those below it; --all already stops every "
                      "agent (drover stop <agent> --tree)");
  if (o.force && !o.clean_worktree)
    return make_error(Errc::usage,
                      "--force only applies to --clean-worktree (drover stop <agent> "
                      "--clean-worktree --force)");
  if (o.agent) DROVER_TRY(validate_agent_name(*o.agent));
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config_or_defaults();
  if (!cfg) return cfg.error();
  Millis grace = cfg->turn.kill_grace;
  if (o.grace) {
    auto g = parse_duration(*o.grace);
    if (!g) return make_error(Errc::usage, "--grace: " + g.error().message);
    grace = *g;
  }
  auto st = ctx.store();
  if (!st) return st.error();
  auto host = ctx.host_id();
  if (!host) return host.error();
  if (o.tree) return stop_tree(ctx, o, *p, *cfg, **st, grace, *host);
  if (o.agent) {
    auto r = runner::stop_agent(*p, *cfg, **st, *o.agent, grace, false, *host);
    if (!r) return r.error();
    nlohmann::json j = report_json(*r);
    std::string text = report_text(*r);
    close_after_stop(ctx, **st, *o.agent, j, text);
    if (o.clean_worktree) DROVER_TRY(clean_after_stop(*p, **st, *o.agent, o.force, j, text));
    ctx.out.document(j);
    ctx.out.info(text);
    return ok_status();
  }
  auto live = (*st)->read<std::vector<Session>>(
      [](store::Tx& tx) -> Result<std::vector<Session>> { return tx.sessions().live(); });
  if (!live) return live.error();
  nlohmann::json agents = nlohmann::json::array();
  std::optional<Error> first_error;
  for (const auto& s : *live) {
    auto r = runner::stop_agent(*p, *cfg, **st, s.name, grace, false, *host);
    if (!r) {
      if (r.error().code == Errc::conflict) continue;  // finished by itself meanwhile
      if (!first_error) first_error = r.error();
      ctx.out.warn("could not stop " + s.name + ": " + r.error().message);
      agents.push_back({{"agent", s.name}, {"error", r.error().message}});
      continue;
    }
    nlohmann::json j = report_json(*r);
    std::string text = report_text(*r);
    close_after_stop(ctx, **st, s.name, j, text);
    if (o.clean_worktree) {
      if (auto c = clean_after_stop(*p, **st, s.name, o.force, j, text); !c) {
        if (!first_error) first_error = c.error();
        ctx.out.warn(c.error().message);
        j["error"] = c.error().message;
      }
    }
    agents.push_back(j);
    ctx.out.info(text);
  }
  ctx.out.document({{"agents", agents}, {"state", "stopped"}, {"ok", !first_error}});
  if (live->empty()) ctx.out.info("no live agents to stop");
  if (!first_error) return ok_status();
  ctx.error_reported = true;  // each problem is already on stderr or in the document
  return *first_error;
}

}  // namespace

void install_stop(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<StopOptions>();
  cmd->add_option("agent", o->agent, "agent name");
  cmd->add_flag("--all", o->all, "stop every live agent");
  cmd->add_flag("--tree", o->tree,
                "also stop every agent below it (children, theirs, …), deepest first; only its "
                "own death is reported to its parent");
  cmd->add_option("--grace", o->grace, "SIGTERM to SIGKILL grace (default turn.kill_grace)");
  cmd->add_flag("--clean-worktree", o->clean_worktree,
                "then remove the agent's worktree and branch drover/<agent>");
  cmd->add_flag("--force", o->force,
                "with --clean-worktree: remove them even when they hold commits no other branch "
                "has or uncommitted changes");
  on_run(cmd, ctx, [&ctx, o] { return run_stop(ctx, *o); });
}

}  // namespace drover::cli
