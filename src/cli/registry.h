#pragma once
// The one table of commands: each entry's name and summary make the subcommand (and its
// line in `drover --help`); the command's own file then installs its options and, with
// on_run, the action to run in Context::action.
#include <functional>
#include <span>

#include "core/result.h"

namespace CLI {
class App;
}

namespace drover::cli {

class Context;

struct CommandEntry {
  const char* name;
  const char* summary;
  void (*install)(CLI::App* cmd, Context& ctx);  // cmd: the subcommand made from this entry
};

std::span<const CommandEntry> commands();

// When `cmd` is the subcommand selected on the command line, `action` becomes
// Context::action, run once the whole command line is parsed.
void on_run(CLI::App* cmd, Context& ctx, std::function<Status()> action);

// Installers, one per command file in src/cli/.
void install_init(CLI::App* cmd, Context& ctx);
void install_mail(CLI::App* cmd, Context& ctx);
void install_status(CLI::App* cmd, Context& ctx);
void install_top(CLI::App* cmd, Context& ctx);
void install_completions(CLI::App* cmd, Context& ctx);
void install_turn(CLI::App* cmd, Context& ctx);
void install_sling(CLI::App* cmd, Context& ctx);
void install_nudge(CLI::App* cmd, Context& ctx);
void install_stop(CLI::App* cmd, Context& ctx);
void install_resume(CLI::App* cmd, Context& ctx);
void install_pause(CLI::App* cmd, Context& ctx);
void install_budget(CLI::App* cmd, Context& ctx);
void install_unpause(CLI::App* cmd, Context& ctx);
void install_log(CLI::App* cmd, Context& ctx);
void install_report(CLI::App* cmd, Context& ctx);
void install_costs(CLI::App* cmd, Context& ctx);
void install_clean(CLI::App* cmd, Context& ctx);
void install_diff(CLI::App* cmd, Context& ctx);
void install_merge(CLI::App* cmd, Context& ctx);
void install_supervise(CLI::App* cmd, Context& ctx);
void install_up(CLI::App* cmd, Context& ctx);
void install_down(CLI::App* cmd, Context& ctx);
void install_reload(CLI::App* cmd, Context& ctx);
void install_doctor(CLI::App* cmd, Context& ctx);
void install_ask(CLI::App* cmd, Context& ctx);
void install_decide(CLI::App* cmd, Context& ctx);
void install_gates(CLI::App* cmd, Context& ctx);

}  // namespace drover::cli
