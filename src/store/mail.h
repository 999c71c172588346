#pragma once
// The messages repository (SPEC §4). Reached only through store::Tx.
#include <cstdint>
#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/mail.h"
#include "core/mail_listing.h"

namespace drover::store {

class Connection;

struct MailFilter {
  std::optional<std::string> to;
  std::optional<std::string> from;
  bool unread_only = false;
  std::optional<std::string> type;
  std::optional<std::string> since;  // created_at >= since
  int limit = 100;                   // 0 = all
};

class Mail {
 public:
  explicit Mail(Connection& db) : db_(db) {}

  // Stores the message (id and created_at are assigned unless set); returns its id.
  std::int64_t insert(const MailMessage& m);
  std::optional<MailMessage> get(std::int64_t id);
  // Newest first.
  std::vector<MailMessage> list(const MailFilter& f);
  // The same rows, handed to `fn` one at a time as SQLite reads them (the view is valid
  // only during the call): a listing of any length in constant memory. Returns how many.
  std::int64_t for_each(const MailFilter& f, const std::function<void(const MailView&)>& fn);
  // Unread messages for `agent`, oldest first; marks them read when mark_read.
  std::vector<MailMessage> unread_for(std::string_view agent);
  void mark_read(std::int64_t id, const std::string& ts);
  // Marks the message read unless it is read already or claimed by a turn (whose settle
  // alone marks it read or releases it); returns whether it was marked.
  bool mark_read_unclaimed(std::int64_t id, const std::string& ts);
  // Unread and not claimed by a running turn.
  std::vector<MailMessage> pending_for(std::string_view agent);
  int unread_count(std::string_view agent);
  // Unread counts of every agent with a session that has unread mail, by name: one
  // messages_inbox range per session (the live view reads this on every redraw).
  std::map<std::string, int> unread_by_session();
  std::int64_t max_id();

  // Turn delivery: claim pending mail for a turn; on a clean result mark it read, on any
  // other end release it for the next turn.
  int claim_pending(std::string_view agent, std::int64_t turn);
  std::vector<MailMessage> claimed_by(std::int64_t turn);
  // Live input (docs/steering.md "Live nudge"): claims `agent`'s pending mail that asks for
  // live delivery for the running turn `turn`, and returns it, oldest first. Its settle
  // marks it read or releases it like the rest of the turn's mail.
  std::vector<MailMessage> claim_live(std::string_view agent, std::int64_t turn);
  // The recipients of pending live mail (through the partial index messages_live).
  std::vector<std::string> agents_with_live_mail();
  int mark_turn_read(std::int64_t turn, const std::string& ts);
  int release_turn(std::int64_t turn);
  // Releases these messages (unless read) for the next turn: live mail its turn never
  // answered (core/live_input.h).
  int release(const std::vector<std::int64_t>& ids);

  // Did `agent` send a message of one of `types` with id > after_id?
  bool sent_since(std::string_view agent, const std::vector<std::string>& types,
                  std::int64_t after_id);
  // Unread, unclaimed mail for `agent` with id > after_id (arrived during a turn).
  int arrived_since(std::string_view agent, std::int64_t after_id);

 private:
  Connection& db_;
};

}  // namespace drover::store
