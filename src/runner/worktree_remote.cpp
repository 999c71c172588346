// Worktrees across hosts (runner/worktree_remote.h).
#include "runner/worktree_remote.h"

#include <spdlog/spdlog.h>

#include <nlohmann/json.hpp>

#include "core/branch_takeover.h"
#include "core/clock.h"
#include "core/mail.h"
#include "core/text.h"
#include "os/checkout_place.h"
#include "os/files.h"
#include "os/git.h"
#include "runner/branch_merge.h"
#include "runner/worktree.h"
#include "store/events.h"
#include "store/hosts.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::runner {

namespace {

std::string remote_trimmed(std::string s) {
  while (!s.empty() && (s.back() == '\n' || s.back() == '\r' || s.back() == ' ')) s.pop_back();
  return s;
}

// The last push recorded for the agent (its branch_pushed event): sha, remote and base.
struct RecordedPush {
  std::string sha, remote, base, place;
};

std::optional<RecordedPush> recorded_push(store::Tx& tx, const std::string& agent) {
  auto e = tx.events().last_of_kind(agent, "branch_pushed");
  if (!e) return std::nullopt;
  auto j = nlohmann::json::parse(e->data, nullptr, false);
  if (!j.is_object() || !j.contains("sha") || !j["sha"].is_string()) return std::nullopt;
  return RecordedPush{j["sha"].get<std::string>(), j.value("remote", ""), j.value("base", ""),
                      j.value("place", "")};
}

// The commit `rev` names in the project's repository, or nullopt.
std::optional<std::string> remote_commit_of(const ProjectPaths& p, const std::string& rev) {
  auto r = os::run_git({"rev-parse", "--verify", "--quiet", rev + "^{commit}"}, p.root);
  if (!r || !r->ok()) return std::nullopt;
  return remote_trimmed(r->out);
}

std::string remote_git_error(const Result<os::GitOutput>& r) {
  if (!r) return r.error().message;
  std::string line = os::git_error_line(r->err);
  return line.empty() ? "git exited with status " + std::to_string(r->exit_code) : line;
}

// `git ls-remote --exit-code REMOTE refs/heads/BRANCH`: the branch's commit, none (exit 2),
// or the remote's error.
void ask_remote_branch(const ProjectPaths& p, const std::string& remote, const std::string& branch,
                       TakeoverFacts& f) {
  f.remote_asked = true;
  auto r = os::run_git({"ls-remote", "--exit-code", remote, "refs/heads/" + branch}, p.root,
                       kRemoteDeadline);
  if (r && r->exit_code == 2) return;
  if (!r || !r->ok()) {
    f.remote_error = remote_git_error(r);
    return;
  }
  f.remote_sha = remote_trimmed(r->out.substr(0, r->out.find('\t')));
}

struct MadeWorktree {
  TakeoverPlan plan;
  std::string base, base_sha;            // fresh: where it started
  std::optional<std::string> replaced;   // fresh: the local branch's commit it replaced
  std::optional<std::string> discarded;  // a stale worktree's uncommitted changes, removed
};

Status add_worktree_here(const ProjectPaths& p, const std::string& agent,
                         const std::vector<std::string>& args) {
  std::vector<std::string> all = {"worktree", "add", "--quiet"};
  all.insert(all.end(), args.begin(), args.end());
  auto r = os::git_stdout(all, p.root);
  if (!r)
    return make_error(Errc::failed, "cannot make the worktree of '" + agent +
                                        "' on this host: " + r.error().message);
  return ok_status();
}

// Makes the worktree at `here` as the plan says; a restore that fails to fetch falls back
// to fresh (the plan then says why).
Result<MadeWorktree> make_here(RunnerContext& ctx, const std::string& agent,
                               const std::string& branch, const std::string& here,
                               TakeoverPlan plan, TakeoverFacts facts,
                               const std::optional<RecordedPush>& pushed) {
  const auto& p = ctx.paths;
  const std::string& remote = *ctx.config.remote;
  MadeWorktree m;
  if (plan.action == TakeoverAction::restore_remote) {
    auto r = os::run_git({"fetch", "--quiet", "--no-tags", "--no-write-fetch-head", remote,
                          "+refs/heads/" + branch + ":refs/heads/" + branch},
                         p.root, kRemoteDeadline);
    auto got = remote_commit_of(p, "refs/heads/" + branch);
    if (!r || !r->ok())
      plan = {TakeoverAction::fresh, "", "fetching it failed (" + remote_git_error(r) + ")"};
    else if (got != plan.sha)
      plan = {TakeoverAction::fresh, "",
              "the fetched branch is at " + got.value_or("no commit") + ", not at " + plan.sha};
    facts.local_sha = got;
  }
  if (plan.action != TakeoverAction::fresh) {
    DROVER_TRY(add_worktree_here(p, agent, {here, branch}));
  } else {
    m.base = pushed && !pushed->base.empty() && remote_commit_of(p, pushed->base) ? pushed->base
                                                                                  : "HEAD";
    auto sha = remote_commit_of(p, m.base);
    if (!sha)
      return make_error(Errc::failed, "cannot make the worktree of '" + agent +
                                          "' on this host: its base " + m.base +
                                          " is no commit here");
    m.base_sha = *sha;
    m.replaced = facts.local_sha;
    DROVER_TRY(add_worktree_here(p, agent, {"-B", branch, here, m.base_sha}));
  }
  if (pushed && !pushed->base.empty())
    (void)os::run_git({"config", "branch." + branch + ".droverBase", pushed->base}, p.root);
  m.plan = plan;
  return m;
}

// The session now has its worktree here; the event, the note and the log say how.
Status record_worktree_made(RunnerContext& ctx, const std::string& agent, const std::string& branch,
                            const std::string& here, const MadeWorktree& m,
                            const std::optional<RecordedPush>& pushed) {
  const std::string& remote = *ctx.config.remote;
  bool fresh = m.plan.action == TakeoverAction::fresh;
  nlohmann::json data = {{"remote", remote}, {"branch", branch}, {"worktree", here}};
  if (fresh) {
    data["reason"] = m.plan.reason;
    data["base"] = m.base;
    data["base_sha"] = m.base_sha;
    data["expected_sha"] = pushed ? nlohmann::json(pushed->sha) : nlohmann::json(nullptr);
    if (m.replaced) data["replaced_local_sha"] = *m.replaced;
  } else {
    data["sha"] = m.plan.sha;
    data["from"] = m.plan.action == TakeoverAction::restore_local ? "local" : "remote";
  }
  if (m.discarded) data["discarded"] = *m.discarded;
  auto w = ctx.store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    tx.sessions().set_worktree(agent, here);
    tx.events().add(agent, std::nullopt, fresh ? "worktree_fresh" : "worktree_restored",
                    fresh ? "warn" : "info", data.dump());
    if (fresh) {
      MailMessage note;
      note.from = "supervisor";
      note.to = agent;
      note.priority = "high";
      note.subject = "your worktree starts fresh on this host";
      note.body = fresh_start_note(branch, remote, m.plan.reason, m.base, m.base_sha);
      tx.mail().insert(note);
    }
    return Unit{};
  });
  if (!w) return w.error();
  if (fresh)
    ctx.log->warn("{}: worktree started fresh from {} ({}) on this host: {}", agent, m.base,
                  m.base_sha.substr(0, 12), escape_control(m.plan.reason));
  else
    ctx.log->info("{}: worktree restored on this host at {} ({} branch {})", agent, m.plan.sha,
                  m.plan.action == TakeoverAction::restore_local ? "local" : "fetched", branch);
  return ok_status();
}

}  // namespace

Status bring_worktree_here(RunnerContext& ctx, const std::string& agent) {
  if (!ctx.config.remote) return ok_status();
  struct Read {
    std::optional<Session> session;
    std::optional<RecordedPush> pushed;
    bool held_elsewhere = false;  // another host holds the agent's lease: its claim will fail
  };
  auto read = ctx.store->read<Read>([&](store::Tx& tx) -> Result<Read> {
    Read r{tx.sessions().get(agent), recorded_push(tx, agent), false};
    if (!ctx.host.empty())
      if (auto lease = tx.hosts().lease_of(agent)) r.held_elsewhere = lease->host != ctx.host;
    return r;
  });
  if (!read) return read.error();
  const auto& s = read->session;
  if (!s || !s->worktree || !s->branch || s->branch->empty() || read->held_elsewhere)
    return ok_status();
  const auto& p = ctx.paths;
  const std::string& branch = *s->branch;
  const std::string& remote = *ctx.config.remote;
  const std::string here = p.worktree(agent).lexically_normal().string();
  const bool dir_here = os::is_directory(here);
  TakeoverFacts f;
  f.worktree_here = *s->worktree == here && dir_here;
  if (read->pushed && read->pushed->remote == remote) {
    f.recorded_sha = read->pushed->sha;
    f.pushed_elsewhere = read->pushed->place != os::checkout_place(p.root);
  }
  if (f.worktree_here && !f.pushed_elsewhere) return ok_status();  // the common case: no git
  f.local_sha = remote_commit_of(p, "refs/heads/" + branch);
  auto plan = plan_takeover(f, branch, remote);
  if (plan.action == TakeoverAction::keep) return ok_status();
  MadeWorktree stale;
  // A worktree left by an earlier stay on this host is out of date: the agent moved on.
  if (dir_here) {
    auto gone = remove_worktree(p, here, std::nullopt);
    if (!gone) return gone.error();
    stale.discarded = gone->discarded;
  }
  (void)os::run_git({"worktree", "prune"}, p.root);  // forget worktrees deleted by hand
  if (plan.action == TakeoverAction::ask_remote) {
    ask_remote_branch(p, remote, branch, f);
    plan = plan_takeover(f, branch, remote);
  }
  auto made = make_here(ctx, agent, branch, here, plan, f, read->pushed);
  if (!made) return made.error();
  made->discarded = stale.discarded;
  return record_worktree_made(ctx, agent, branch, here, *made, read->pushed);
}

bool branch_push_due(const RunnerContext& ctx, const Session& s) {
  return ctx.config.remote && s.worktree && s.branch && !s.branch->empty();
}

namespace {

void record_push_event(RunnerContext& ctx, const BranchPush& push, const char* kind,
                       const char* level, const nlohmann::json& data) {
  auto w = ctx.store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    tx.events().add(push.agent, push.turn_id, kind, level, data.dump());
    return Unit{};
  });
  if (!w)
    ctx.log->error("{}: cannot record {} of turn {}: {}", push.agent, kind, push.turn_id,
                   escape_control(w.error().message));
}

void push_failed(RunnerContext& ctx, const BranchPush& push, const std::string& error) {
  ctx.log->warn("{}: cannot push {} to '{}' after turn {}: {}", push.agent, push.branch,
                push.remote, push.turn_id, escape_control(error));
  record_push_event(
      ctx, push, "branch_push_failed", "warn",
      {{"remote", push.remote}, {"branch", push.branch}, {"sha", push.sha}, {"error", error}});
}

}  // namespace

std::vector<std::string> BranchPush::git_args() const {
  return {"push", "--quiet", "--force", "--no-verify", remote, sha + ":refs/heads/" + branch};
}

std::optional<BranchPush> plan_branch_push(RunnerContext& ctx, const std::string& agent,
                                           const std::string& branch, std::int64_t turn_id) {
  if (!ctx.config.remote) return std::nullopt;
  BranchPush push;
  push.agent = agent;
  push.remote = *ctx.config.remote;
  push.branch = branch;
  push.turn_id = turn_id;
  const auto& p = ctx.paths;
  auto sha = remote_commit_of(p, "refs/heads/" + branch);
  if (!sha) {
    push_failed(ctx, push, "branch " + branch + " does not exist on this host");
    return std::nullopt;
  }
  push.sha = *sha;
  auto last = ctx.store->read<std::optional<RecordedPush>>(
      [&](store::Tx& tx) -> Result<std::optional<RecordedPush>> {
        return recorded_push(tx, agent);
      });
  if (last && *last && (*last)->sha == push.sha && (*last)->remote == push.remote)
    return std::nullopt;
  push.base = branch_base(p, branch).value_or("");
  push.started = std::chrono::steady_clock::now();
  return push;
}

void record_branch_push(RunnerContext& ctx, const BranchPush& push,
                        const Result<os::GitOutput>& r) {
  if (!r || !r->ok()) return push_failed(ctx, push, remote_git_error(r));
  auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(std::chrono::steady_clock::now() -
                                                                  push.started)
                .count();
  ctx.log->info("{}: pushed {} at {} to '{}' ({} ms)", push.agent, push.branch,
                push.sha.substr(0, 12), push.remote, ms);
  record_push_event(ctx, push, "branch_pushed", "info",
                    {{"remote", push.remote},
                     {"branch", push.branch},
                     {"sha", push.sha},
                     {"base", push.base},
                     {"place", os::checkout_place(ctx.paths.root)},
                     {"ms", ms}});
}

}  // namespace drover::runner
