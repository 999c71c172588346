#include "core/mail.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/json_bounded.h"
#include "core/json_text.h"

namespace drover {

namespace {
template <class Range>
std::string join_values(const Range& r) {
  std::string out;
  for (auto v : r) {
    if (!out.empty()) out += ", ";
    out += v;
  }
  return out;
}
}  // namespace

Status validate_mail_type(std::string_view type) {
  for (auto t : kMailTypes)
    if (t == type) return ok_status();
  return make_error(Errc::usage, "invalid mail type '" + std::string(type) +
                                     "' (valid types: " + join_values(kMailTypes) + ")");
}

Status validate_priority(std::string_view priority) {
  for (auto p : kPriorities)
    if (p == priority) return ok_status();
  return make_error(Errc::usage, "invalid priority '" + std::string(priority) +
                                     "' (valid priorities: " + join_values(kPriorities) + ")");
}

int priority_rank(std::string_view p) {
  if (p == "urgent") return 0;
  if (p == "high") return 1;
  if (p == "low") return 3;
  return 2;
}

Result<std::string> normalize_payload(std::string_view text) {
  auto doc = parse_json_bounded(text);
  if (doc.status == BoundedJson::Status::too_deep)
    return make_error(Errc::usage, "invalid --payload: JSON nested deeper than " +
                                       std::to_string(kMaxJsonDepth) + " levels");
  if (doc.status != BoundedJson::Status::ok)
    return make_error(Errc::usage,
                      "invalid --payload: not a JSON document (for example "
                      "--payload '{\"branch\":\"main\"}')");
  return dump_json(doc.value);
}

void sort_for_delivery(std::vector<MailMessage>& messages) {
  std::stable_sort(messages.begin(), messages.end(), [](const auto& a, const auto& b) {
    int ra = priority_rank(a.priority), rb = priority_rank(b.priority);
    return ra != rb ? ra < rb : a.id < b.id;
  });
}

std::string format_mail_for_turn(std::vector<MailMessage> messages) {
  sort_for_delivery(messages);
  std::string out;
  for (const auto& m : messages) {
    if (!out.empty()) out += "\n\n---\n\n";
    out += "[MAIL #" + std::to_string(m.id) + "] From: " + m.from + " | Type: " + m.type +
           " | Priority: " + m.priority + " | Subject: " + m.subject + "\n" + m.body;
  }
  return out;
}

}  // namespace drover
