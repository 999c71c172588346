#include "core/worker_died.h"

#include <nlohmann/json.hpp>

#include "core/agent_report.h"
#include "core/json_text.h"

namespace drover {

namespace {
std::string body_for(const Session& s, const std::string& reason, const std::string& by) {
  std::string what = by == "operator"     ? "The operator stopped it."
                     : by == "supervisor" ? "The supervisor gave up on it: " + reason + "."
                                          : "drover's runner ended it: " + reason + ".";
  return "Your worker " + s.name + " (" + s.capability + ") died without reporting. " + what +
         "\nIts task: " + s.task + "\nYou can resume it with `drover resume " + s.name +
         " \"<instructions>\"`, sling a replacement, or report the failure upward.\n" +
         report_pointer(s.name) + " (its turns, costs, worktree, mail and last result).";
}
}  // namespace

MailMessage make_worker_died(const Session& s, const std::string& reason,
                             const std::string& terminated_by, std::optional<std::int64_t> turn) {
  MailMessage m;
  m.from = s.name;
  m.to = s.parent.value_or("operator");
  m.subject = "worker_died: " + s.name;
  m.body = body_for(s, reason, terminated_by);
  m.type = "worker_died";
  m.priority = "high";
  nlohmann::json payload = {
      {"agent", s.name},
      {"capability", s.capability},
      {"task_id", s.task_id ? nlohmann::json(*s.task_id) : nlohmann::json(nullptr)},
      {"reason", reason},
      {"last_activity", s.last_activity},
      {"terminated_by", terminated_by},
      {"turn", turn ? nlohmann::json(*turn) : nlohmann::json(nullptr)}};
  m.payload = dump_json(payload);
  return m;
}

}  // namespace drover
