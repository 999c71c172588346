#include "core/gate.h"

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>

#include "core/json_text.h"
#include "core/text.h"

namespace drover {

namespace {

std::string join_options(const std::vector<std::string>& options, std::string_view sep) {
  std::string out;
  for (const auto& o : options) {
    if (!out.empty()) out += sep;
    out += o;
  }
  return out;
}

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::string first_line(std::string_view text, std::size_t max) {
  auto nl = text.find('\n');
  std::string line(text.substr(0, nl));
  bool cut = nl != std::string_view::npos;
  if (line.size() > max) {
    line.resize(max);
    // do not leave half of a UTF-8 sequence
    while (!line.empty() && (static_cast<unsigned char>(line.back()) & 0xC0) == 0x80)
      line.pop_back();
    if (!line.empty() && (static_cast<unsigned char>(line.back()) & 0x80)) line.pop_back();
    cut = true;
  }
  return escape_control(line) + (cut ? "…" : "");
}

std::string gate_ref(const Gate& g) { return "gate #" + std::to_string(g.id); }

}  // namespace

bool gate_is_closed(const Gate& g) { return g.decision && *g.decision == kGateClosed; }

Result<std::vector<std::string>> gate_options(const std::vector<std::string>& given) {
  if (given.empty()) return std::vector<std::string>{"yes", "no"};
  std::vector<std::string> out;
  for (const auto& o : given) {
    if (o.empty())
      return make_error(Errc::usage, "--option: an option cannot be empty (e.g. --option yes)");
    if (o == kGateClosed)
      return make_error(Errc::usage,
                        "--option: 'closed' is reserved (it records a gate whose asker was "
                        "stopped); choose another word");
    if (std::find(out.begin(), out.end(), o) != out.end())
      return make_error(Errc::usage, "--option: '" + escape_control(o) + "' is given twice");
    out.push_back(o);
  }
  return out;
}

Status validate_question(std::string_view question) {
  if (question.find_first_not_of(" \t\r\n") == std::string_view::npos)
    return make_error(Errc::usage,
                      "the question is empty (drover ask \"Merge drover/bob into main?\")");
  return ok_status();
}

DecideCheck check_decision(const Gate& g, const std::optional<Session>& asker,
                           std::string_view answer, std::string_view decided_by) {
  using K = DecideCheck::Kind;
  if (gate_is_closed(g))
    return {K::closed, "closed: " + g.note.value_or(g.asker + " was stopped") + " (" + gate_ref(g) +
                           " can no longer be decided)"};
  if (!g.decision && (!asker || is_terminal(asker->state)))
    return {K::closed, "closed: " + g.asker + " is " +
                           (asker ? std::string(to_string(asker->state)) : std::string("gone")) +
                           " (" + gate_ref(g) + " can no longer be decided; 'drover resume " +
                           g.asker + "' reopens it)"};
  if (std::find(g.options.begin(), g.options.end(), answer) == g.options.end())
    return {K::bad_answer, "'" + escape_control(answer) + "' is not an option of " + gate_ref(g) +
                               " (options: " + join_options(g.options, ", ") + ")"};
  if (g.decision) {
    if (*g.decision == answer)
      return {K::already, gate_ref(g) + " was already decided '" + *g.decision + "' by " +
                              g.decided_by.value_or("?") + "; nothing changed"};
    return {K::conflict, gate_ref(g) + " was already decided '" + *g.decision + "' by " +
                             g.decided_by.value_or("?") + " at " + g.decided_at.value_or("?") +
                             "; a gate is decided once"};
  }
  if (decided_by != "operator" && decided_by != g.to)
    return {K::not_allowed, gate_ref(g) + " asks " + g.to + "; " + std::string(decided_by) +
                                " cannot decide it (the operator or " + g.to + " can)"};
  return {K::decide, ""};
}

bool gate_holds_turn(const GateWait& w) { return w.holding_gate_open && !w.decision_pending; }

bool is_yes_like(std::string_view answer) {
  static const char* kYes[] = {"yes", "y", "approve", "approved", "ok", "accept", "go"};
  auto a = lower(answer);
  return std::any_of(std::begin(kYes), std::end(kYes), [&](const char* y) { return a == y; });
}

bool requires_gate(const Capability& cap, std::string_view step) {
  return std::find(cap.gate_before.begin(), cap.gate_before.end(), step) != cap.gate_before.end();
}

std::optional<std::string> gate_requirement_unmet(const Capability& cap, std::string_view agent,
                                                  std::string_view step,
                                                  const std::optional<Gate>& latest) {
  if (!requires_gate(cap, step)) return std::nullopt;
  std::string how = "; ask first: drover ask --step " + std::string(step) + " \"QUESTION\"";
  std::string who = "capability '" + cap.name + "' requires an approved gate before " +
                    std::string(step) + ", and " + std::string(agent);
  if (!latest) return who + " has none decided" + how;
  if (!latest->decision) return who + "'s gate #" + std::to_string(latest->id) + " is still open";
  if (!is_yes_like(*latest->decision))
    return who + "'s gate #" + std::to_string(latest->id) + " was decided '" + *latest->decision +
           "'" + how;
  return std::nullopt;
}

std::string waiting_label(const Session& s, std::string_view question) {
  std::string out = "waiting: " + first_line(question, 48);
  if (s.paused_at) out += " (paused)";
  return out;
}

std::string gate_mail_body(const Gate& g) {
  return g.question + "\n\nOptions: " + join_options(g.options, " | ") +
         "\nAnswer with: drover decide <this mail's #> <option> [--note TEXT]";
}

std::string gate_payload(const Gate& g, const std::optional<std::string>& user_payload) {
  nlohmann::json j = {{"question", g.question}, {"options", g.options}};
  if (g.step) j["step"] = *g.step;
  if (user_payload) j["payload"] = nlohmann::json::parse(*user_payload);
  return dump_json(j);
}

std::string decision_body(const Gate& g, std::string_view decision,
                          const std::optional<std::string>& note, std::string_view decided_by) {
  std::string out;
  if (decision == kGateClosed)
    out = "Your question (gate #" + std::to_string(g.id) + ") was closed without an answer";
  else
    out =
        "Decision on your question (gate #" + std::to_string(g.id) + "): " + std::string(decision);
  out += "\nQuestion: " + g.question + "\nDecided by: " + std::string(decided_by);
  if (note && !note->empty()) out += "\nNote: " + *note;
  return out;
}

std::string decision_payload(const Gate& g, std::string_view decision,
                             const std::optional<std::string>& note, std::string_view decided_by) {
  nlohmann::json j = {{"gate", g.id},
                      {"decision", decision},
                      {"note", note ? nlohmann::json(*note) : nlohmann::json(nullptr)},
                      {"decided_by", decided_by}};
  return dump_json(j);
}

MailMessage decision_message(const Gate& g, std::optional<std::int64_t> thread,
                             std::string_view decision, const std::optional<std::string>& note,
                             std::string_view decided_by, const std::string& now) {
  MailMessage m;
  m.from = std::string(decided_by);
  m.to = g.asker;
  m.type = "decision";
  m.subject = decision == kGateClosed ? "gate #" + std::to_string(g.id) + " closed"
                                      : "decision: " + std::string(decision);
  m.body = decision_body(g, decision, note, decided_by);
  m.thread_id = thread.value_or(g.id);
  m.reply_to = g.id;
  m.payload = decision_payload(g, decision, note, decided_by);
  m.created_at = now;
  return m;
}

}  // namespace drover
