// drover ask "QUESTION" [--option O]… [--payload JSON] [--step S] [--from NAME],
// drover decide ID ANSWER [--note N] [--from NAME], drover gates (issue 17,
// docs/steering.md "Approval gates"). Work with or without a supervisor; ask and decide
// wake it (the asker's parent, or the asker, may have a turn to take).
#include <unistd.h>
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/gates.h"
#include "cli/registry.h"
#include "cli/wake.h"
#include "core/clock.h"
#include "core/names.h"
#include "core/table.h"
#include "core/text.h"
#include "os/terminal.h"
#include "runner/terminal_mail.h"
#include "store/gates.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::cli {

namespace {

std::string options_text(const std::vector<std::string>& options) {
  std::string out;
  for (const auto& o : options) {
    // Appended piece by piece: `"|" + escape_control(o)` trips g++ 12's -Wstringop-overflow
    // (a false positive) at -O3, which broke the Release build of scripts/bench.
    if (!out.empty()) out += '|';
    out += escape_control(o);
  }
  return out;
}

// The agent a gate command acts as: --from, else $DROVER_AGENT, else the operator.
std::string acting_as(const std::optional<std::string>& from) {
  return from.value_or(Context::self_name());
}

struct AskOptions {
  std::string question;
  std::vector<std::string> options;
  std::optional<std::string> payload, step, from;
  bool no_start = false;
};

Status run_ask(Context& ctx, const AskOptions& o) {
  std::string asker = acting_as(o.from);
  if (asker == kOperator)
    return make_error(Errc::usage,
                      "drover ask is run by an agent inside its turn: $DROVER_AGENT is not set "
                      "(pass --from AGENT to ask on an agent's behalf)");
  DROVER_TRY(validate_agent_name(asker));
  DROVER_TRY(validate_question(o.question));
  auto p = ctx.project();
  if (!p) return p.error();
  auto st = ctx.store();
  if (!st) return st.error();
  auto s = (*st)->read<std::optional<Session>>(
      [&](store::Tx& tx) -> Result<std::optional<Session>> { return tx.sessions().get(asker); });
  if (!s) return s.error();
  AskRequest r{asker, o.question, o.options, o.payload, o.step, false};
  if (*s) r.turns_while_waiting = runner::read_capability(*p, (*s)->capability).turns_while_waiting;
  auto g = ask_gate(**st, r);
  if (!g) return g.error();
  if (g->to != kOperator) notify_supervisor(ctx, !o.no_start);  // the parent decides in a turn
  ctx.out.document(gate_json(*g, now_timestamp()));
  ctx.out.data(std::to_string(g->id));
  ctx.out.info("asked " + g->to + " (gate #" + std::to_string(g->id) + ", " +
               options_text(g->options) +
               "); end your turn: the answer comes as a 'decision' "
               "mail");
  return ok_status();
}

struct DecideOptions {
  std::int64_t id = 0;
  std::string answer;
  std::optional<std::string> note, from;
  bool no_start = false;
};

Status run_decide(Context& ctx, const DecideOptions& o) {
  std::string by = acting_as(o.from);
  DROVER_TRY(validate_mail_sender(by));
  auto st = ctx.store();
  if (!st) return st.error();
  auto r = decide_gate(**st, o.id, o.answer, o.note, by);
  if (!r) return r.error();
  if (!r->already) notify_supervisor(ctx, !o.no_start);
  auto doc = gate_json(r->gate, now_timestamp());
  doc["already"] = r->already;
  doc["decision_mail"] =
      r->gate.decision_mail ? nlohmann::json(*r->gate.decision_mail) : nlohmann::json(nullptr);
  ctx.out.document(doc);
  std::string ref = "gate #" + std::to_string(r->gate.id);
  if (r->already)
    ctx.out.info(ref + " already decided '" + escape_control(o.answer) + "'; nothing changed");
  else
    ctx.out.info("decided " + ref + ": " + escape_control(o.answer) + " (mail #" +
                 std::to_string(r->gate.decision_mail.value_or(0)) + " to " + r->gate.asker +
                 ", who takes a turn with it)");
  return ok_status();
}

std::string age_of(const Gate& g, const std::string& now) {
  auto a = parse_timestamp(g.asked_at), b = parse_timestamp(now);
  if (!a || !b) return "?";
  return format_age(std::chrono::duration_cast<Millis>(*b - *a));
}

Status run_gates(Context& ctx) {
  auto st = ctx.store();
  if (!st) return st.error();
  auto gates = (*st)->read<std::vector<Gate>>(
      [](store::Tx& tx) -> Result<std::vector<Gate>> { return tx.gates().open(); });
  if (!gates) return gates.error();
  auto now = now_timestamp();
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& g : *gates) arr.push_back(gate_json(g, now));
  ctx.out.document({{"gates", arr}});
  if (gates->empty()) {
    ctx.out.data("no open gates");
    return ok_status();
  }
  std::vector<TableRow> rows;
  for (const auto& g : *gates)
    rows.push_back({{std::to_string(g.id)},
                    {g.asker},
                    {g.to},
                    {age_of(g, now)},
                    {options_text(g.options)},
                    {escape_control(g.question)}});
  TableStyle style;
  style.width = os::terminal_columns(STDOUT_FILENO);
  style.free_last = true;
  std::string text;
  for (const auto& l :
       layout_table({{"ID", Align::right}, {"ASKER"}, {"TO"}, {"AGE"}, {"OPTIONS"}, {"QUESTION"}},
                    rows, style))
    text += l + "\n";
  text += "answer with: drover decide ID OPTION [--note TEXT]";
  ctx.out.data(text);
  return ok_status();
}

}  // namespace

void install_ask(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<AskOptions>();
  cmd->add_option("question", o->question, "the question")->required();
  cmd->add_option("--option", o->options,
                  "an answer the decider may give (repeat; default yes, no)");
  cmd->add_option("--payload", o->payload, "JSON the decider sees with the question");
  cmd->add_option("--step", o->step,
                  "the capability step this gate approves (e.g. merge: see gate_before)");
  cmd->add_option("--from", o->from, "the asking agent (default $DROVER_AGENT)");
  cmd->add_flag("--no-start", o->no_start, "do not start the supervisor");
  on_run(cmd, ctx, [&ctx, o] { return run_ask(ctx, *o); });
}

void install_decide(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<DecideOptions>();
  cmd->add_option("id", o->id, "the gate's id (its decision_gate mail's id)")->required();
  cmd->add_option("answer", o->answer, "one of the gate's options")->required();
  cmd->add_option("--note", o->note, "a note the asker reads with the decision");
  cmd->add_option("--from", o->from, "who decides (default $DROVER_AGENT, else operator)");
  cmd->add_flag("--no-start", o->no_start, "do not start the supervisor");
  on_run(cmd, ctx, [&ctx, o] { return run_decide(ctx, *o); });
}

void install_gates(CLI::App* cmd, Context& ctx) {
  on_run(cmd, ctx, [&ctx] { return run_gates(ctx); });
}

}  // namespace drover::cli
