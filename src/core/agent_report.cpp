#include "core/agent_report.h"

#include "core/event_line.h"
#include "core/state_color.h"
#include "core/table.h"
#include "core/text.h"

namespace drover {

namespace {

// Lines of the last result text shown; the rest is counted.
constexpr std::size_t kReportResultLines = 40;

std::string report_paint(const ReportStyle& st, std::string_view color, const std::string& s) {
  if (!st.color || color.empty()) return s;
  return std::string(color) + s + std::string(sgr::kReset);
}

std::string report_worktree_line(const ReportWorktree& w) {
  std::string s = w.branch ? escape_control(*w.branch) : "(no branch)";
  if (w.head) s += " at " + escape_control(w.head->substr(0, 12));
  // What clean would lose (commits no other branch has, and the uncommitted changes), else
  // just whether the tree is clean.
  if (w.unmerged) s += ", " + escape_control(*w.unmerged);
  else if (w.dirty) s += ", " + escape_control(*w.dirty);
  s += "  (" + escape_control(w.path) + (w.live ? ")" : ", gone: as last recorded)");
  return s;
}

// The result text, escaped line by line, at most kReportResultLines of them.
std::vector<std::string> report_result_lines(const std::string& text) {
  std::vector<std::string> out;
  std::size_t start = 0, total = 0;
  while (start <= text.size()) {
    auto nl = text.find('\n', start);
    auto line = text.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    if (++total <= kReportResultLines) out.push_back(escape_control(line));
    if (nl == std::string::npos) break;
    start = nl + 1;
  }
  while (!out.empty() && out.back().empty()) out.pop_back();
  if (total > kReportResultLines)
    out.push_back("… " + std::to_string(total - kReportResultLines) +
                  " more lines (--json has all)");
  return out;
}

nlohmann::json report_opt(const std::optional<std::string>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

template <class T>
nlohmann::json report_opt_num(const std::optional<T>& v) {
  return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
}

}  // namespace

std::string report_pointer(const std::string& agent) {
  return "Full report: drover report " + agent;
}

std::string render_agent_report(const AgentReportFacts& f, const ReportStyle& style) {
  const Session& s = f.session;
  const bool final = is_terminal(s.state);
  std::string state = std::string(to_string(s.state));
  std::string out = report_paint(style, sgr::kBold, escape_control(s.name)) + " — " +
                    report_paint(style, state_color(s.state), state);
  if (s.state_reason) out += " (" + one_line_summary(*s.state_reason, 300) + ")";
  if (!final) out += "\n  still running: not terminal yet, this report is not final";
  out += "\n";

  std::vector<TableRow> facts;
  facts.push_back({{"task"}, {one_line_summary(s.task, 1000)}});
  facts.push_back({{"capability"},
                   {escape_control(s.capability) + ", runtime " + escape_control(s.runtime) +
                    (s.model ? ", model " + escape_control(*s.model) : "")}});
  facts.push_back({{"parent"}, {s.parent ? escape_control(*s.parent) : "none (the operator)"}});
  if (f.worktree) facts.push_back({{"worktree"}, {report_worktree_line(*f.worktree)}});
  if (s.merged_sha)  // `drover merge` (docs/steering.md)
    facts.push_back({{"merged"},
                     {"into " + escape_control(s.merged_into.value_or("?")) + " at " +
                      escape_control(s.merged_sha->substr(0, 12)) +
                      (s.merged_at ? " (" + escape_control(*s.merged_at) + ")" : "")}});
  facts.push_back({{"totals"}, {costs_summary(f.totals)}});
  TableStyle fact_style;
  fact_style.width = style.width;
  fact_style.header = false;
  fact_style.free_last = true;
  fact_style.indent = 2;
  for (const auto& l : layout_table({{"", Align::left}, {"", Align::left}}, facts, fact_style))
    out += l + "\n";

  out += "\nturns";
  if (f.turns_omitted > 0)
    out += " (the last " + std::to_string(f.turns.size()) + "; " + std::to_string(f.turns_omitted) +
           " earlier not shown)";
  out += "\n";
  if (f.turns.empty()) out += "  none yet\n";
  else {
    std::vector<TableRow> rows;
    for (const auto& t : f.turns) {
      const TurnRecord& r = t.row;
      std::string outcome = r.outcome_name.value_or(r.ended_at ? "?" : "running");
      rows.push_back({{t.number ? std::to_string(*t.number) : "-"},
                      {t.started},
                      {outcome, outcome_color(outcome)},
                      {r.duration_ms ? format_elapsed(*r.duration_ms) : "—"},
                      {cost_cell(r.cost_usd)},
                      {r.input_tokens ? format_count(*r.input_tokens) : "—"},
                      {r.output_tokens ? format_count(*r.output_tokens) : "—"},
                      {r.detail ? one_line_summary(*r.detail, 1000) : ""}});
    }
    TableStyle ts;
    ts.width = style.width;
    ts.color = style.color;
    ts.free_last = true;
    ts.indent = 2;
    for (const auto& l : layout_table({{"#", Align::right},
                                       {"STARTED"},
                                       {"OUTCOME"},
                                       {"DURATION", Align::right},
                                       {"COST", Align::right},
                                       {"IN", Align::right},
                                       {"OUT", Align::right},
                                       {"DETAIL"}},
                                      rows, ts))
      out += l + "\n";
  }

  out += "\nmail sent";
  if (f.mail_omitted > 0)
    out += " (the last " + std::to_string(f.mail_sent.size()) + "; " +
           std::to_string(f.mail_omitted) + " earlier not shown)";
  out += "\n";
  if (f.mail_sent.empty()) out += "  none\n";
  else {
    std::vector<TableRow> rows;
    for (const auto& m : f.mail_sent)
      rows.push_back({{"#" + std::to_string(m.id)},
                      {"→ " + escape_control(m.to)},
                      {escape_control(m.type)},
                      {one_line_summary(m.subject, 1000)}});
    TableStyle ms;
    ms.width = style.width;
    ms.header = false;
    ms.free_last = true;
    ms.indent = 2;
    for (const auto& l : layout_table({{"", Align::right}, {""}, {""}, {""}}, rows, ms))
      out += l + "\n";
  }

  out += "\nlast result";
  if (f.last_result && f.last_result_error) out += " (an error)";
  out += "\n";
  if (!f.last_result) out += "  none\n";
  else
    for (const auto& l : report_result_lines(*f.last_result)) out += "  " + l + "\n";
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

nlohmann::json agent_report_json(const AgentReportFacts& f) {
  const Session& s = f.session;
  nlohmann::json turns = nlohmann::json::array();
  for (const auto& t : f.turns) {
    const TurnRecord& r = t.row;
    turns.push_back({{"number", report_opt_num(t.number)},
                     {"id", r.id},
                     {"started_at", r.started_at},
                     {"ended_at", report_opt(r.ended_at)},
                     {"outcome", report_opt(r.outcome_name)},
                     {"duration_ms", report_opt_num(r.duration_ms)},
                     {"cost_usd", report_opt_num(r.cost_usd)},
                     {"input_tokens", report_opt_num(r.input_tokens)},
                     {"output_tokens", report_opt_num(r.output_tokens)},
                     {"detail", report_opt(r.detail)}});
  }
  nlohmann::json mail = nlohmann::json::array();
  for (const auto& m : f.mail_sent)
    mail.push_back({{"id", m.id},
                    {"to", m.to},
                    {"type", m.type},
                    {"subject", m.subject},
                    {"created_at", m.created_at}});
  nlohmann::json worktree = nullptr;
  if (f.worktree)
    worktree = {{"path", f.worktree->path},
                {"branch", report_opt(f.worktree->branch)},
                {"head_sha", report_opt(f.worktree->head)},
                {"dirty_summary", report_opt(f.worktree->dirty)},
                {"unmerged", report_opt(f.worktree->unmerged)},
                {"live", f.worktree->live}};
  return {{"agent", s.name},
          {"final", is_terminal(s.state)},
          {"state", std::string(to_string(s.state))},
          {"state_reason", report_opt(s.state_reason)},
          {"task", s.task},
          {"capability", s.capability},
          {"runtime", s.runtime},
          {"parent", report_opt(s.parent)},
          {"turns", turns},
          {"turns_omitted", f.turns_omitted},
          {"totals",
           {{"turns", f.totals.turns},
            {"priced_turns", f.totals.priced},
            {"cost_usd", report_opt_num(cost_value(f.totals))},
            {"input_tokens", f.totals.input_tokens},
            {"output_tokens", f.totals.output_tokens}}},
          {"worktree", worktree},
          {"merged", s.merged_sha ? nlohmann::json{{"sha", *s.merged_sha},
                                                   {"into", report_opt(s.merged_into)},
                                                   {"at", report_opt(s.merged_at)}}
                                  : nlohmann::json(nullptr)},
          {"mail_sent", mail},
          {"mail_omitted", f.mail_omitted},
          {"last_result", report_opt(f.last_result)},
          {"last_result_is_error", f.last_result_error}};
}

}  // namespace drover
