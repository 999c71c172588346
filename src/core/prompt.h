#pragma once
// The user text of a turn (SPEC §5.2): the first turn rendered from
// templates/first_turn.md, later turns from the mail they carry. Pure.
#include <string>
#include <vector>

#include "core/capability.h"
#include "core/mail.h"
#include "core/session.h"

namespace drover {

struct PromptInput {
  const Session* session = nullptr;
  const Capability* capability = nullptr;
  std::string workdir;            // the agent's worktree or the project root
  std::vector<MailMessage> mail;  // the mail this turn carries
  bool fresh_session = false;     // no stored runtime session id: render the template
};

// The exact command that sends the terminal mail, e.g.
// drover mail send --to lead --type worker_done --subject "done: alice" --body "<summary>"
std::string report_command(const Session& s, const Capability& c);

// For a fresh session: the template followed by the carried mail except the dispatch
// mail (its task is already in the text). Otherwise the carried mail in delivery order.
std::string render_turn_text(const PromptInput& in);

// {"type":"user","message":{"role":"user","content":[{"type":"text","text":…}]}}
std::string user_turn_line(const std::string& text);

// Replaces each {{key}} in a template.
std::string fill_template(std::string_view tmpl,
                          const std::vector<std::pair<std::string, std::string>>& values);

}  // namespace drover
