#include "core/prompt.h"

#include <nlohmann/json.hpp>

#include "core/assets.h"
#include "core/json_text.h"

namespace drover {

std::string fill_template(std::string_view tmpl,
                          const std::vector<std::pair<std::string, std::string>>& values) {
  std::string out;
  out.reserve(tmpl.size() * 2);
  std::size_t i = 0;
  while (i < tmpl.size()) {
    auto open = tmpl.find("{{", i);
    if (open == std::string_view::npos) break;
    auto close = tmpl.find("}}", open + 2);
    if (close == std::string_view::npos) break;
    out.append(tmpl.substr(i, open - i));
    std::string_view key = tmpl.substr(open + 2, close - open - 2);
    bool found = false;
    for (const auto& [k, v] : values)
      if (k == key) {
        out += v;
        found = true;
        break;
      }
    if (!found) out.append(tmpl.substr(open, close + 2 - open));
    i = close + 2;
  }
  out.append(tmpl.substr(i));
  return out;
}

std::string report_command(const Session& s, const Capability& c) {
  std::string to = s.parent.value_or("operator");
  std::string type = c.terminal_mail.empty() ? "status" : c.terminal_mail.front();
  return "drover mail send --to " + to + " --type " + type + " --subject \"" + type + ": " +
         s.name + "\" --body \"<what you did, how you verified it, what is left>\"";
}

std::string render_turn_text(const PromptInput& in) {
  std::vector<MailMessage> rest;
  for (const auto& m : in.mail)
    if (!(in.fresh_session && m.type == "dispatch")) rest.push_back(m);
  if (!in.fresh_session) return format_mail_for_turn(rest);

  const Session& s = *in.session;
  const Capability& c = *in.capability;
  std::string report_line;
  if (c.terminal_mail.empty()) {
    report_line =
        "You are persistent: you never finish by yourself. Report progress with `status` "
        "mail to " +
        s.parent.value_or("operator") + ".";
  } else {
    std::string types;
    for (const auto& t : c.terminal_mail) types += (types.empty() ? "`" : "` or `") + t;
    report_line = "Your job ends when you send " + types + "` mail to " +
                  s.parent.value_or("operator") + ". When you are done, run exactly:\n\n    " +
                  report_command(s, c);
  }
  auto tmpl = find_asset("templates/first_turn.md").value_or("{{task}}");
  std::string text = fill_template(
      tmpl, {{"name", s.name},
             {"capability", s.capability},
             {"parent_line",
              s.parent ? "Your parent agent is " + *s.parent + "." : "You report to the operator."},
             {"worktree", in.workdir},
             {"instructions", c.instructions.empty() ? "Do the task below." : c.instructions},
             {"task", s.task},
             {"report_line", report_line}});
  if (!rest.empty()) text += "\n\n---\n\n" + format_mail_for_turn(rest);
  return text;
}

std::string user_turn_line(const std::string& text) {
  nlohmann::json j = {
      {"type", "user"},
      {"message", {{"role", "user"}, {"content", {{{"type", "text"}, {"text", text}}}}}}};
  return dump_json(j) + "\n";
}

}  // namespace drover
