#pragma once
// Capability definitions: agents/<cap>.md with a TOML front matter block between "+++"
// lines (SPEC §5.6, §8). Pure: text in, Capability out.
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/budget.h"
#include "core/duration.h"
#include "core/result.h"

namespace drover {

struct Capability {
  std::string name;
  std::vector<std::string> terminal_mail;  // empty = persistent (never completes itself)
  bool may_sling = false;
  // Approval gates (core/gate.h): steps that need a gate decided yes-like first, and
  // whether the agent takes turns for other mail while its gate is open.
  std::vector<std::string> gate_before;
  bool turns_while_waiting = false;
  std::optional<std::string> runtime;
  std::optional<std::string> model;
  std::optional<Millis> first_output_timeout, stall_timeout, max_duration;
  BudgetLimits budget;       // max_cost_usd, max_turns, max_tokens
  std::string instructions;  // the markdown after the front matter
};

// Errors (Errc::project) name the file and the key.
Result<Capability> parse_capability(std::string_view name, std::string_view text,
                                    std::string_view file_label);
// What drover assumes when no definition exists: worker_done or result end the job.
Capability default_capability(std::string_view name);

}  // namespace drover
