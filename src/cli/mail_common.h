#pragma once
// Pieces shared by the mail subcommands.
#include <optional>
#include <string>

#include "cli/context.h"
#include "core/mail.h"
#include "store/store.h"

namespace drover::cli {

// Reads a body from exactly one of --body, --body-file, or '-' (stdin).
Result<std::string> read_body(const std::optional<std::string>& body,
                              const std::optional<std::string>& body_file, bool from_stdin);

// For an address that names one agent (not a group, not the operator) with no session: the
// warning to print once the write commits ("no agent named 'alise' yet (did you mean
// 'alice'?): …"), `consequence` ending it; not printed under -q or --json. nullopt when the name
// has a session.
std::optional<std::string> nobody_named(store::Tx& tx, const std::string& name,
                                        std::string_view consequence);

// Validates and stores one message to `to` (which may be a group) inside one
// transaction; returns the ids. Nothing is written when any check fails.
Result<std::vector<std::int64_t>> send_mail(Context& ctx, const MailMessage& draft);

// Prints a list of messages (human, or `doc` with "messages":[…] added).
void print_messages(Context& ctx, const std::vector<MailMessage>& messages, bool with_body,
                    const std::string& empty_text, nlohmann::json doc = nlohmann::json::object());

}  // namespace drover::cli
