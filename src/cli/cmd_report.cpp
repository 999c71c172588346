// drover report <agent> [--json] (issue 16 item 6): the agent's final report, read from
// the database and, for its worktree, from git. Read-only; exit 0 for any agent, final or
// not (the report says when it is not final yet).
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <filesystem>
#include <memory>

#include "cli/agent_lookup.h"
#include "cli/context.h"
#include "cli/registry.h"
#include "core/agent_report.h"
#include "core/names.h"
#include "core/suggest.h"
#include "core/text.h"
#include "core/unmerged_work.h"
#include "os/terminal.h"
#include "runner/worktree.h"
#include "store/events.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/turns.h"

namespace drover::cli {

namespace {

// How many of an agent's turns and sent messages a report lists (the newest ones).
constexpr int kReportTurns = 500;
constexpr int kReportMail = 100;

// Where the agent's worktree stands: git's view when the tree is still there, else what
// the last settle recorded.
std::optional<ReportWorktree> report_worktree(const ProjectPaths& p, const Session& s) {
  if (!s.worktree) return std::nullopt;
  ReportWorktree w;
  w.path = *s.worktree;
  w.branch = s.branch;
  w.head = s.head_sha;
  w.dirty = s.dirty_summary;
  std::error_code ec;
  if (!std::filesystem::is_directory(*s.worktree, ec)) return w;
  auto now = runner::unmerged_work(p, *s.worktree, s.branch);
  if (!now) return w;  // git could not say: the recorded values stand
  w.live = true;
  if (now->tip) w.head = now->tip;
  w.dirty = now->dirty;
  if (now->any()) w.unmerged = describe_unmerged(*now);
  return w;
}

Status run_report(Context& ctx, const std::string& name) {
  DROVER_TRY(validate_agent_name(name));
  auto p = ctx.project();
  if (!p) return p.error();
  auto st = ctx.store();
  if (!st) return st.error();
  auto facts = (*st)->read<AgentReportFacts>([&](store::Tx& tx) -> Result<AgentReportFacts> {
    auto s = tx.sessions().get(name);
    if (!s) return no_agent_named(tx, name);
    AgentReportFacts f;
    f.session = *s;
    auto numbers = tx.turns().numbers(name);
    auto turns = tx.turns().recent(name, kReportTurns + 1);
    if (turns.size() > static_cast<std::size_t>(kReportTurns)) {
      turns.pop_back();
      f.turns_omitted = 1;  // at least; counted exactly below
    }
    for (auto it = turns.rbegin(); it != turns.rend(); ++it) {
      ReportTurn t;
      t.row = *it;
      if (auto n = numbers.find(it->id); n != numbers.end()) t.number = n->second;
      auto at = parse_timestamp(it->started_at);
      t.started = at ? os::local_date_time(*at) : it->started_at;
      f.turns.push_back(std::move(t));
    }
    f.totals = tx.turns().costs_of(name);
    if (f.turns_omitted > 0) {
      // Turns that never started have no number; count what is left out from the oldest
      // listed id.
      std::int64_t first_listed = f.turns.front().row.id;
      f.turns_omitted = 0;
      for (const auto& [id, n] : numbers) f.turns_omitted += id < first_listed;
    }
    store::MailFilter mf;
    mf.from = name;
    mf.limit = kReportMail + 1;
    auto sent = tx.mail().list(mf);
    if (sent.size() > static_cast<std::size_t>(kReportMail)) {
      sent.pop_back();
      mf.limit = 0;
      f.mail_omitted = static_cast<std::int64_t>(tx.mail().list(mf).size()) - kReportMail;
    }
    f.mail_sent.assign(sent.rbegin(), sent.rend());
    if (auto r = tx.events().last_of_kind(name, "result")) {
      auto data = nlohmann::json::parse(r->data, nullptr, false);
      if (data.is_object() && data.contains("text") && data["text"].is_string())
        f.last_result = data["text"].get<std::string>();
      f.last_result_error =
          data.is_object() && data.contains("is_error") && data["is_error"] == true;
      if (!f.last_result) f.last_result = "";
    }
    return f;
  });
  if (!facts) return facts.error();
  facts->worktree = report_worktree(*p, facts->session);

  if (ctx.out.json) {
    ctx.out.document(agent_report_json(*facts));
    return ok_status();
  }
  if (ctx.out.quiet) {  // -q: the title line alone (name, state and reason)
    const Session& s = facts->session;
    ctx.out.data(escape_control(s.name) + " — " + std::string(to_string(s.state)) +
                 (s.state_reason ? " (" + one_line_summary(*s.state_reason, 300) + ")" : ""));
    return ok_status();
  }
  ReportStyle style;
  style.width = os::terminal_columns(STDOUT_FILENO);
  style.color = ctx.out.color;
  ctx.out.data(render_agent_report(*facts, style));
  return ok_status();
}

}  // namespace

void install_report(CLI::App* cmd, Context& ctx) {
  auto name = std::make_shared<std::string>();
  cmd->add_option("agent", *name, "the agent to report on")->required();
  on_run(cmd, ctx, [&ctx, name] { return run_report(ctx, *name); });
}

}  // namespace drover::cli
