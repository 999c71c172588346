#pragma once
// Mail: the message record, its vocabulary (SPEC §4) and how a batch of mail becomes a
// turn's user text (SPEC §5.2).
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace drover {

// How a message reaches a runtime with live input (docs/steering.md "Live nudge"): at the
// agent's next turn, or also into a turn that is running now, after an interrupt request or
// not. Stored as 0, 1, 2 in messages.live.
enum class Delivery : int { next_turn = 0, live = 1, interrupt = 2 };

struct MailMessage {
  std::int64_t id = 0;
  std::string from;
  std::string to;
  std::string subject;
  std::string body;
  std::string type = "status";
  std::string priority = "normal";
  std::optional<std::int64_t> thread_id;
  std::optional<std::int64_t> reply_to;
  std::optional<std::string> payload;  // JSON text
  std::string created_at;
  std::optional<std::string> read_at;
  std::optional<std::int64_t> claimed_turn;
  Delivery delivery = Delivery::next_turn;
};

inline constexpr std::string_view kMailTypes[] = {
    "status",     "question",     "result",        "error",           "dispatch", "assign",
    "nudge",      "worker_done",  "worker_died",   "merge_ready",     "merged",   "merge_failed",
    "escalation", "health_check", "decision_gate", "budget_exceeded", "decision"};
inline constexpr std::string_view kPriorities[] = {"low", "normal", "high", "urgent"};

Status validate_mail_type(std::string_view type);
Status validate_priority(std::string_view priority);
// urgent 0, high 1, normal 2, low 3 (delivery order).
int priority_rank(std::string_view priority);
// Checks that text is a JSON document nested at most 128 levels deep (deeper ones would
// exhaust the stack of whatever serialises them); returns it compacted.
Result<std::string> normalize_payload(std::string_view text);

// "[MAIL #<id>] From: … | Type: … | Priority: … | Subject: …\n<body>" joined by
// "\n\n---\n\n", ordered urgent→low and oldest first within a priority.
std::string format_mail_for_turn(std::vector<MailMessage> messages);
// Sorts in delivery order (priority, then id).
void sort_for_delivery(std::vector<MailMessage>& messages);

}  // namespace drover
