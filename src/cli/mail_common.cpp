#include "cli/mail_common.h"

#include <iostream>
#include <iterator>

#include "cli/wake.h"
#include "core/addressing.h"
#include "core/names.h"
#include "core/suggest.h"
#include "os/files.h"
#include "store/mail.h"
#include "store/sessions.h"

namespace drover::cli {

Result<std::string> read_body(const std::optional<std::string>& body,
                              const std::optional<std::string>& body_file, bool from_stdin) {
  int sources = (body ? 1 : 0) + (body_file ? 1 : 0) + (from_stdin ? 1 : 0);
  if (sources > 1)
    return make_error(Errc::usage, "give the body once: --body, --body-file or '-' for stdin");
  if (body) return *body;
  if (body_file) {
    auto text = os::read_file(*body_file);
    if (!text) {
      auto code = text.error().code == Errc::not_found ? Errc::not_found : Errc::failed;
      return make_error(code, "cannot read --body-file: " + text.error().message);
    }
    return std::move(*text);
  }
  if (from_stdin) {
    std::string text((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    return text;
  }
  return std::string();
}

std::optional<std::string> nobody_named(store::Tx& tx, const std::string& name,
                                        std::string_view consequence) {
  if (is_group_address(name) || name == kOperator || !validate_agent_name(name).ok())
    return std::nullopt;
  if (tx.sessions().get(name)) return std::nullopt;
  std::vector<std::string> names;
  for (const auto& s : tx.sessions().list()) names.push_back(s.name);
  std::string line = "drover: no agent named '" + name + "' yet";
  if (auto near = closest_word(name, names)) line += " (did you mean '" + *near + "'?)";
  return line + ": " + std::string(consequence);
}

Result<std::vector<std::int64_t>> send_mail(Context& ctx, const MailMessage& draft) {
  DROVER_TRY(validate_mail_sender(draft.from));
  DROVER_TRY(validate_mail_type(draft.type));
  DROVER_TRY(validate_priority(draft.priority));
  MailMessage m = draft;
  if (m.payload) {
    auto p = normalize_payload(*m.payload);
    if (!p) return p.error();
    m.payload = *p;
  }
  auto st = ctx.store();
  if (!st) return st.error();
  bool wake = false;
  std::optional<std::string> nobody;
  auto ids = (*st)->write<std::vector<std::int64_t>>(
      [&](store::Tx& tx) -> Result<std::vector<std::int64_t>> {
        nobody = nobody_named(tx, m.to, "the mail waits for an agent of that name");
        std::optional<Session> direct;
        if (!is_group_address(m.to) && m.to != kOperator && validate_agent_name(m.to).ok())
          direct = tx.sessions().get(m.to);
        auto live = tx.sessions().live();
        auto to = resolve_recipients(m.to, m.from, live, direct);
        if (!to) return to.error();
        std::vector<std::int64_t> out;
        for (const auto& name : *to) {
          MailMessage one = m;
          one.to = name;
          out.push_back(tx.mail().insert(one));
          for (const auto& s : live)
            if (s.name == name) wake = true;
        }
        return out;
      });
  if (ids && nobody && !ctx.out.quiet) ctx.out.warn(*nobody);
  if (ids && wake) notify_supervisor(ctx);
  return ids;
}

void print_messages(Context& ctx, const std::vector<MailMessage>& messages, bool with_body,
                    const std::string& empty_text, nlohmann::json doc) {
  nlohmann::json arr = nlohmann::json::array();
  std::string text;
  for (const auto& m : messages) {
    arr.push_back(message_json(m));
    if (!text.empty()) text += with_body ? "\n\n" : "\n";
    text += message_human(m, with_body);
  }
  doc["messages"] = std::move(arr);
  ctx.out.document(doc);
  ctx.out.data(messages.empty() ? empty_text : text);
}

}  // namespace drover::cli
