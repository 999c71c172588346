#include "cli/sling_write.h"

#include <algorithm>
#include <filesystem>

#include "core/clock.h"
#include "core/doctor_report.h"
#include "core/names.h"
#include "core/suggest.h"
#include "core/text.h"
#include "os/host.h"
#include "store/mail.h"
#include "store/sessions.h"

namespace drover::cli {

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

void warn_root_refusal(Context& ctx, const Config& cfg, const std::string& runtime) {
  auto rt = cfg.runtimes.find(runtime);
  if (rt == cfg.runtimes.end() || !os::running_as_root() ||
      !doctor::skips_permissions(rt->second.command))
    return;
  ctx.out.alert("drover: warning: " + doctor::root_refusal_warning(runtime));
}

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

namespace {

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

}  // namespace

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

Error undo_sling_worktree(const ProjectPaths& p, const SlingPlan& plan, const Error& e) {
  if (!plan.wt) return e;
  if (auto rm = runner::remove_worktree(p, plan.wt->path, plan.wt->branch); !rm)
    return make_error(e.code, e.message + " (and its new worktree could not be removed: " +
                                  rm.error().message + ")");
  return e;
}

}  // namespace drover::cli
