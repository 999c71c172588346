#pragma once
// config.toml (SPEC §8): every key, its default, and validation. Parsing is pure: text in,
// Config or an error naming the key and file out.
#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/budget.h"
#include "core/duration.h"
#include "core/result.h"

namespace drover {

struct RuntimeConfig {
  std::vector<std::string> command;
  std::vector<std::string> model_args;   // "{model}" substituted
  std::vector<std::string> resume_args;  // "{session_id}" substituted
  // Live input (docs/steering.md "Live nudge"): the runtime reads further stream-json user
  // messages on stdin while a turn runs, so stdin stays open and a nudge goes into the turn.
  bool live_input = false;
  // With live input: it takes a stream-json control request {"subtype":"interrupt"} that
  // stops what it is doing without ending the process (`nudge --interrupt`).
  bool live_interrupt = false;
};

struct Config {
  struct {
    int max_concurrent_turns = 8;
    bool autostart = true;
    Millis poll_interval{1000};
    Millis resume_max_age{6 * 3'600'000};
    Millis shutdown_grace{10'000};
    int max_failed_turns = 3;
    Millis retry_backoff{5000};
    // Several hosts on one store (docs/hosts.md): how long an agent stays with a host that
    // stopped renewing its lease before another host takes it over.
    Millis lease{30'000};
  } supervisor;
  struct {
    Millis first_output_timeout{600'000};
    Millis stall_timeout{600'000};
    Millis max_duration{0};
    Millis kill_grace{2000};
    std::int64_t max_line_bytes = 16 * 1024 * 1024;
  } turn;
  struct {
    std::string runtime = "claude";
    std::string capability = "builder";
  } defaults;
  struct {
    BudgetLimits agent;  // per agent, unless its capability or the agent itself sets one
    std::optional<double> project_max_cost_usd;  // the whole project, per local day
  } budget;
  std::map<std::string, RuntimeConfig> runtimes;
  // `store = "postgresql://…"` (SPEC §10): the project's PostgreSQL database; unset, the
  // SQLite file .drover/drover.db. DROVER_STORE overrides both (store/target.h).
  std::optional<std::string> store;
  // `remote = "origin"` (issue 19, docs/decisions.md "Worktrees across hosts"): the git
  // remote (a name, or a URL git takes) that every settled turn of a worktree agent pushes
  // its drover/<agent> branch to, and that a host without the agent's worktree fetches it
  // from. Unset: no push, no fetch.
  std::optional<std::string> remote;

  Config();  // all defaults, including the claude runtime
};

// Parses config text. `file_label` names the file in error messages. Errors are
// Errc::project: "<file>: unknown key 'supervisor.max_turns'", wrong types, bad values.
Result<Config> parse_config(std::string_view text, std::string_view file_label);

// The file `drover init` writes: every key at its default with a one-line comment.
std::string_view default_config_text();

// The argv of one turn: command + model_args (when model set) + resume_args (when a
// session id is stored), placeholders substituted.
std::vector<std::string> build_runtime_argv(const RuntimeConfig& runtime,
                                            const std::optional<std::string>& model,
                                            const std::optional<std::string>& session_id);

}  // namespace drover
