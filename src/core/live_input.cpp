#include "core/live_input.h"

#include <nlohmann/json.hpp>

namespace drover {

std::string interrupt_request_line(std::string_view request_id) {
  nlohmann::json j = {{"type", "control_request"},
                      {"request_id", std::string(request_id)},
                      {"request", {{"subtype", "interrupt"}}}};
  return j.dump() + "\n";
}

NudgeDelivery choose_delivery(const std::string& runtime_name, const RuntimeConfig* rt, bool queue,
                              bool interrupt) {
  if (queue) return {};
  if (!rt || !rt->live_input)
    return {Delivery::next_turn,
            interrupt ? "runtime '" + runtime_name +
                            "' has no live input (live_input = true in its [runtimes] table): "
                            "not interrupted, the nudge waits for the next turn"
                      : ""};
  if (!interrupt) return {Delivery::live, ""};
  if (!rt->live_interrupt)
    return {Delivery::live, "runtime '" + runtime_name +
                                "' takes no interrupt request (live_interrupt = true in its "
                                "[runtimes] table): the nudge goes in after its current answer"};
  return {Delivery::interrupt, ""};
}

void LiveInput::wrote(const std::vector<std::int64_t>& mail) {
  ++written_;
  unanswered_.push_back(mail);
}

void LiveInput::answered() {
  ++results_;
  if (!unanswered_.empty()) unanswered_.pop_front();
}

void LiveInput::lost(const std::vector<std::int64_t>& mail) {
  lost_.insert(lost_.end(), mail.begin(), mail.end());
  closed_ = true;
}

std::vector<std::int64_t> LiveInput::to_release() const {
  std::vector<std::int64_t> out;
  for (const auto& m : unanswered_) out.insert(out.end(), m.begin(), m.end());
  out.insert(out.end(), lost_.begin(), lost_.end());
  return out;
}

}  // namespace drover
