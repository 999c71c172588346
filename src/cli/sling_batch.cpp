#include "cli/sling_batch.h"

#include <iostream>
#include <iterator>
#include <map>
#include <set>

#include "cli/mail_common.h"
#include "cli/wake.h"
#include "core/names.h"
#include "core/sling_batch.h"
#include "os/file_lock.h"
#include "os/files.h"
#include "store/sessions.h"

namespace drover::cli {

namespace {

// The agents of a batch, index for index with the parsed entries.
struct BatchSlings {
  std::vector<BatchEntry> entries;
  std::vector<SlingOptions> opts;
  std::vector<SlingPlan> plans;
  std::vector<std::int64_t> dispatch_ids;
  std::vector<std::optional<std::string>> old_worktrees;  // of replaced sessions: they stay
};

Status check_batch_flags(const SlingOptions& f) {
  if (!f.agent.empty() || !f.task_words.empty())
    return make_error(Errc::usage,
                      "with --batch the names and tasks come from the file: give no "
                      "AGENT or TASK (drover sling --batch FILE [flags for all])");
  if (f.file)
    return make_error(
        Errc::usage, "--file gives one agent's task; with --batch every task is in the batch file");
  if (f.wait)
    return make_error(Errc::usage,
                      "--wait follows one agent and cannot follow a batch: follow it "
                      "with 'drover status' or 'drover log --all --follow'");
  return ok_status();
}

Result<std::string> read_batch_text(const std::string& file) {
  if (file == "-")
    return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
  auto text = os::read_file(file);
  if (!text) return make_error(text.error().code, "--batch: " + text.error().message);
  return text;
}

// The flags as the defaults every entry starts from.
BatchEntry batch_defaults(const SlingOptions& f) {
  BatchEntry d;
  d.capability = f.capability;
  d.parent = f.parent;
  d.task_id = f.task_id;
  d.runtime = f.runtime;
  d.model = f.model;
  d.base_branch = f.base_branch;
  d.max_cost = f.max_cost;
  d.max_turns = f.max_turns;
  d.max_tokens = f.max_tokens;
  d.worktree = f.worktree;
  d.replace = f.replace;
  return d;
}

SlingOptions entry_options(const BatchEntry& e, const SlingOptions& flags) {
  SlingOptions o;
  o.agent = e.name;
  o.capability = e.capability;
  o.parent = e.parent;
  o.task_id = e.task_id;
  o.runtime = e.runtime;
  o.model = e.model;
  o.base_branch = e.base_branch;
  o.max_cost = e.max_cost;
  o.max_turns = e.max_turns;
  o.max_tokens = e.max_tokens;
  o.worktree = e.worktree;
  o.replace = e.replace;
  o.no_start = flags.no_start;
  return o;
}

// Plans every entry that parsed well: its budget, capability and runtime (each pair of
// them checked once against the project). Problems go to `problems`, their entries to `bad`.
void plan_entries(const ProjectPaths& p, const Config& cfg, BatchSlings& b,
                  std::set<std::size_t>& bad, std::vector<BatchProblem>& problems) {
  // (capability, runtime) as given → the plan's names, or why they are wrong
  std::map<std::pair<std::string, std::string>, Result<SlingPlan>> checked;
  for (std::size_t i = 0; i < b.entries.size(); ++i) {
    if (bad.count(i)) continue;
    const auto& o = b.opts[i];
    auto& plan = b.plans[i];
    auto key = std::make_pair(o.capability.value_or(""), o.runtime.value_or(""));
    auto seen = checked.find(key);
    if (seen == checked.end()) {
      SlingPlan names;
      auto s = choose_capability_and_runtime(o, p, cfg, names);
      seen =
          checked.emplace(key, s ? Result<SlingPlan>(names) : Result<SlingPlan>(s.error())).first;
    }
    auto budget = sling_budget(o);
    const Error* why = !seen->second ? &seen->second.error() : !budget ? &budget.error() : nullptr;
    if (why) {
      problems.push_back(batch_problem(b.entries[i], i, why->message, why->code));
      bad.insert(i);
      continue;
    }
    plan.capability = seen->second->capability;
    plan.runtime = seen->second->runtime;
    plan.budget = *budget;
    plan.task = b.entries[i].task;
    plan.from = o.parent.value_or(Context::self_name());
  }
}

// A name already taken (unless finished and replaced): a conflict, in one read.
Status check_names_free(store::Store& st, const BatchSlings& b, const std::set<std::size_t>& bad,
                        std::vector<BatchProblem>& problems) {
  auto r = st.read<Unit>([&](store::Tx& tx) -> Result<Unit> {
    for (std::size_t i = 0; i < b.entries.size(); ++i) {
      if (bad.count(i)) continue;
      if (auto s = check_existing(tx.sessions().get(b.opts[i].agent), b.opts[i]); !s)
        problems.push_back(batch_problem(b.entries[i], i, s.error().message, s.error().code));
    }
    return Unit{};
  });
  if (!r) return r.error();
  return ok_status();
}

Error entry_error(const BatchSlings& b, std::size_t i, const Error& e) {
  return batch_error({batch_problem(b.entries[i], i, e.message, e.code)});
}

// Removes the worktrees made so far; returns `e` with anything that could not be removed.
Error undo_batch_worktrees(const ProjectPaths& p, const BatchSlings& b, Error e) {
  for (const auto& plan : b.plans) e = undo_sling_worktree(p, plan, e);
  return e;
}

// The worktrees of the entries that ask for one, before any session (git never runs in a
// transaction); `orphan_guard` holds the worktrees lock until the sessions exist.
Status create_batch_worktrees(const ProjectPaths& p, BatchSlings& b, os::FileLock& orphan_guard) {
  bool any = false;
  for (const auto& o : b.opts) any = any || o.worktree;
  if (!any) return ok_status();
  DROVER_TRY(os::make_private_dirs(p.worktrees()));
  auto guard = os::FileLock::acquire(p.worktrees_lock(), std::chrono::seconds(30));
  if (!guard) return guard.error();
  orphan_guard = std::move(*guard);
  for (std::size_t i = 0; i < b.opts.size(); ++i) {
    if (!b.opts[i].worktree) continue;
    auto created = runner::create_worktree(p, b.opts[i].agent, b.opts[i].base_branch);
    if (!created) return undo_batch_worktrees(p, b, entry_error(b, i, created.error()));
    b.plans[i].wt = *created;
  }
  return ok_status();
}

// Every session and dispatch mail in one transaction, parents before their children. An
// error (the database's too) names the entry being written; the transaction rolls back.
Status write_batch(store::Store& st, BatchSlings& b) {
  b.dispatch_ids.assign(b.entries.size(), 0);
  b.old_worktrees.assign(b.entries.size(), std::nullopt);
  std::size_t writing = 0;
  auto r = st.write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    for (std::size_t i : parents_first(b.entries)) {
      writing = i;
      auto id = write_slung_agent(tx, b.opts[i], b.plans[i], b.old_worktrees[i]);
      if (!id) return id.error();
      b.dispatch_ids[i] = *id;
    }
    return Unit{};
  });
  if (!r) return entry_error(b, writing, r.error());
  return ok_status();
}

// After the commit: parents that name nobody (once each), replaced worktrees that stay.
void warn_after_batch(Context& ctx, store::Store& st, const BatchSlings& b) {
  if (ctx.out.quiet) return;
  std::set<std::string> parents;
  for (const auto& o : b.opts)
    if (o.parent) parents.insert(*o.parent);
  auto lines = st.read<std::vector<std::string>>([&](store::Tx& tx) {
    std::vector<std::string> out;
    for (const auto& parent : parents)
      if (auto w = nobody_named(tx, parent, "its reports will wait for an agent of that name"))
        out.push_back(*w);
    return Result<std::vector<std::string>>(out);
  });
  if (lines)
    for (const auto& l : *lines) ctx.out.warn(l);
  for (std::size_t i = 0; i < b.entries.size(); ++i) {
    const auto& old = b.old_worktrees[i];
    const auto& wt = b.plans[i].wt;
    if (old && (!wt || wt->path != *old) && os::is_directory(*old))
      ctx.out.info("the replaced session's worktree " + *old +
                   " stays ('drover clean --all' removes it)");
  }
}

void report_batch(Context& ctx, const BatchSlings& b) {
  std::string names;
  constexpr std::size_t kShown = 10;
  for (std::size_t i = 0; i < b.entries.size() && i < kShown; ++i)
    names += (i ? ", " : "") + b.entries[i].name;
  if (b.entries.size() > kShown)
    names += " and " + std::to_string(b.entries.size() - kShown) + " more";
  ctx.out.info("slung " + std::to_string(b.entries.size()) + " agent" +
               (b.entries.size() == 1 ? "" : "s") + ": " + names +
               "; follow them with 'drover status' or 'drover log --all --follow'");
  if (!ctx.out.json) return;
  auto agents = nlohmann::json::array();
  for (std::size_t i = 0; i < b.entries.size(); ++i) {
    const auto& plan = b.plans[i];
    const auto& wt = plan.wt;
    agents.push_back({{"agent", b.entries[i].name},
                      {"state", "booting"},
                      {"capability", plan.capability},
                      {"runtime", plan.runtime},
                      {"dispatch_id", b.dispatch_ids[i]},
                      {"worktree", wt ? nlohmann::json(wt->path) : nlohmann::json(nullptr)},
                      {"branch", wt ? nlohmann::json(wt->branch) : nlohmann::json(nullptr)}});
  }
  ctx.out.document({{"agents", std::move(agents)}});
}

}  // namespace

Status run_sling_batch(Context& ctx, const SlingOptions& flags) {
  DROVER_TRY(check_batch_flags(flags));
  if (flags.parent) DROVER_TRY(validate_mail_sender(*flags.parent));
  DROVER_TRY(sling_budget(flags));  // a bad flag is said once, naming the flag
  auto text = read_batch_text(*flags.batch);
  if (!text) return text.error();
  auto parsed = parse_sling_batch(*text, batch_defaults(flags));
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config();
  if (!cfg) return cfg.error();
  auto st = ctx.store();
  if (!st) return st.error();

  BatchSlings b;
  b.entries = std::move(parsed.entries);
  b.plans.resize(b.entries.size());
  for (const auto& e : b.entries) b.opts.push_back(entry_options(e, flags));
  std::set<std::size_t> bad;
  for (const auto& problem : parsed.problems)
    if (problem.at > 0) bad.insert(problem.at - 1);
  auto problems = std::move(parsed.problems);
  plan_entries(*p, *cfg, b, bad, problems);
  DROVER_TRY(check_names_free(**st, b, bad, problems));
  if (!problems.empty()) return batch_error(std::move(problems));
  std::set<std::string> runtimes;
  for (const auto& plan : b.plans)
    if (runtimes.insert(plan.runtime).second) warn_root_refusal(ctx, *cfg, plan.runtime);

  os::FileLock orphan_guard;
  DROVER_TRY(create_batch_worktrees(*p, b, orphan_guard));
  if (auto w = write_batch(**st, b); !w) return undo_batch_worktrees(*p, b, w.error());
  orphan_guard.release();
  warn_after_batch(ctx, **st, b);
  notify_supervisor(ctx, !flags.no_start);
  report_batch(ctx, b);
  return ok_status();
}

}  // namespace drover::cli
