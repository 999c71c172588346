#include "cli/gates.h"
#include "cli/agent_lookup.h"

#include "core/clock.h"
#include "core/duration.h"
#include "core/names.h"
#include "core/pause.h"
#include "core/suggest.h"
#include "core/text.h"
#include "store/events.h"
#include "store/gates.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::cli {

namespace {

// Inserts the decision reply and records the decision on the gate.
void record_decision(store::Tx& tx, Gate& g, const std::string& decision,
                     const std::optional<std::string>& note, const std::string& by) {
  auto now = now_timestamp();
  auto original = tx.mail().get(g.id);
  auto m =
      decision_message(g, original ? original->thread_id : std::nullopt, decision, note, by, now);
  auto mail_id = tx.mail().insert(m);
  tx.gates().decide(g.id, decision, note, by, now, mail_id);
  nlohmann::json data = {{"gate", g.id}, {"decision", decision}, {"decided_by", by}};
  tx.events().add(g.asker, std::nullopt, decision == kGateClosed ? "gate_closed" : "gate_decided",
                  "info", data.dump());
  g.decision = decision;
  g.note = note;
  g.decided_by = by;
  g.decided_at = now;
  g.decision_mail = mail_id;
}

}  // namespace

Result<Gate> ask_gate(store::Store& st, const AskRequest& r) {
  DROVER_TRY(validate_question(r.question));
  auto options = gate_options(r.options);
  if (!options) return options.error();
  std::optional<std::string> payload;
  if (r.payload) {
    auto p = normalize_payload(*r.payload);
    if (!p) return p.error();
    payload = *p;
  }
  if (r.step && r.step->empty())
    return make_error(Errc::usage, "--step: name the step the gate approves (e.g. --step merge)");
  return st.write<Gate>([&](store::Tx& tx) -> Result<Gate> {
    auto s = tx.sessions().get(r.asker);
    if (!s) return no_agent_named(tx, r.asker);
    if (is_terminal(s->state))
      return make_error(Errc::conflict, "agent '" + r.asker + "' is " +
                                            std::string(to_string(s->state)) +
                                            " and cannot wait for an answer");
    Gate g;
    g.asker = r.asker;
    g.to = s->parent.value_or(std::string(kOperator));
    g.question = r.question;
    g.options = *options;
    g.step = r.step;
    g.holds_turns = !r.turns_while_waiting;
    g.asked_at = now_timestamp();
    MailMessage m;
    m.from = g.asker;
    m.to = g.to;
    m.type = "decision_gate";
    m.priority = "high";
    m.subject = "gate: " + g.question.substr(0, g.question.find('\n'));
    m.created_at = g.asked_at;
    m.body = gate_mail_body(g);
    m.payload = gate_payload(g, payload);
    g.id = tx.mail().insert(m);
    tx.gates().insert(g);
    nlohmann::json data = {{"gate", g.id}, {"to", g.to}, {"question", g.question}};
    tx.events().add(g.asker, s->current_turn, "gate_asked", "info", data.dump());
    return g;
  });
}

Result<DecideResult> decide_gate(store::Store& st, std::int64_t id, const std::string& answer,
                                 const std::optional<std::string>& note, const std::string& by) {
  return st.write<DecideResult>([&](store::Tx& tx) -> Result<DecideResult> {
    auto g = tx.gates().get(id);
    std::string ref = "#" + std::to_string(id);
    if (!g) {
      auto m = tx.mail().get(id);
      if (!m)
        return make_error(Errc::not_found, "no gate or mail " + ref + " (see 'drover gates')");
      if (m->type != "decision_gate")
        return make_error(Errc::usage, "mail " + ref + " is a '" + m->type +
                                           "' mail, not a decision_gate (see 'drover gates')");
      return make_error(Errc::conflict, "mail " + ref +
                                            " was sent with 'drover mail send', not 'drover "
                                            "ask': it has no gate to decide (reply to it instead)");
    }
    auto check = check_decision(*g, tx.sessions().get(g->asker), answer, by);
    using K = DecideCheck::Kind;
    switch (check.kind) {
      case K::decide: break;
      case K::already: return DecideResult{*g, true};
      case K::bad_answer: return make_error(Errc::usage, check.message);
      case K::conflict:
      case K::closed:
      case K::not_allowed: return make_error(Errc::conflict, check.message);
    }
    record_decision(tx, *g, answer, note, by);
    return DecideResult{*g, false};
  });
}

Result<std::vector<Gate>> close_gates(store::Store& st, const std::string& agent,
                                      const std::string& reason, const std::string& by) {
  return st.write<std::vector<Gate>>([&](store::Tx& tx) -> Result<std::vector<Gate>> {
    auto gates = tx.gates().undecided_of(agent);
    for (auto& g : gates) record_decision(tx, g, std::string(kGateClosed), reason, by);
    return gates;
  });
}

nlohmann::json gate_json(const Gate& g, const std::string& now) {
  auto asked = parse_timestamp(g.asked_at);
  auto at = parse_timestamp(now);
  nlohmann::json age = nullptr;
  if (asked && at) age = std::chrono::duration_cast<std::chrono::seconds>(*at - *asked).count();
  auto opt = [](const std::optional<std::string>& v) {
    return v ? nlohmann::json(*v) : nlohmann::json(nullptr);
  };
  return {{"id", g.id},
          {"asker", g.asker},
          {"to", g.to},
          {"question", g.question},
          {"options", g.options},
          {"step", opt(g.step)},
          {"asked_at", g.asked_at},
          {"age_seconds", age},
          {"decision", opt(g.decision)},
          {"note", opt(g.note)},
          {"decided_by", opt(g.decided_by)},
          {"decided_at", opt(g.decided_at)}};
}

nlohmann::json gates_json(const std::vector<Gate>& gates, const std::string& now) {
  nlohmann::json arr = nlohmann::json::array();
  for (const auto& g : gates) arr.push_back(gate_json(g, now));
  return arr;
}

std::string state_with_gate(const Session& s, const std::vector<Gate>& open) {
  if (s.state != SessionState::in_turn && !is_terminal(s.state))
    for (const auto& g : open)
      if (g.asker == s.name) return waiting_label(s, g.question);
  return state_with_pause(s);
}

void write_waiting(JsonWriter& w, const std::string& agent, const std::vector<Gate>& open) {
  std::optional<std::string> question;
  w.key("open_gates").begin_array();
  for (const auto& g : open) {
    if (g.asker != agent) continue;
    if (!question) question = g.question;
    w.value(g.id);
  }
  w.end_array();
  w.member("waiting", question);
}

std::string gate_line(const Gate& g, const std::string& now) {
  std::string options;
  for (const auto& o : g.options) options += (options.empty() ? "" : "|") + escape_control(o);
  std::string age = "?";
  if (auto a = parse_timestamp(g.asked_at), b = parse_timestamp(now); a && b)
    age = format_age(std::chrono::duration_cast<Millis>(*b - *a));
  return "gate #" + std::to_string(g.id) + " asks " + escape_control(g.to) + " (" + options + ", " +
         age + " ago): " + one_line_summary(g.question, 80) + "; drover decide " +
         std::to_string(g.id) + " " + options;
}

std::string gates_text(const std::vector<Gate>& open, const std::string& now) {
  if (open.empty()) return "";
  constexpr std::size_t kShown = 5;
  std::string out = "open gates: " + std::to_string(open.size()) + "\n";
  for (std::size_t i = 0; i < open.size() && i < kShown; ++i)
    out += "  " + escape_control(open[i].asker) + ": " + gate_line(open[i], now) + "\n";
  if (open.size() > kShown)
    out += "  … " + std::to_string(open.size() - kShown) + " more ('drover gates' lists them)\n";
  return out;
}

}  // namespace drover::cli
