#pragma once
// The one table of commands. Each command lives in its own file and installs its
// CLI11 subcommand; with on_run it names the action to run in Context::action.
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
  void (*install)(CLI::App& app, Context& ctx);
};

std::span<const CommandEntry> commands();

// When `cmd` is the subcommand selected on the command line, `action` becomes
// Context::action, run once the whole command line is parsed.
void on_run(CLI::App* cmd, Context& ctx, std::function<Status()> action);

// Installers, one per file in src/cli/.
void install_init(CLI::App& app, Context& ctx);
void install_mail(CLI::App& app, Context& ctx);
void install_status(CLI::App& app, Context& ctx);
void install_completions(CLI::App& app, Context& ctx);
void install_turn(CLI::App& app, Context& ctx);
void install_sling(CLI::App& app, Context& ctx);
void install_nudge(CLI::App& app, Context& ctx);
void install_stop(CLI::App& app, Context& ctx);
void install_resume(CLI::App& app, Context& ctx);
void install_log(CLI::App& app, Context& ctx);
void install_clean(CLI::App& app, Context& ctx);
void install_supervise(CLI::App& app, Context& ctx);
void install_up(CLI::App& app, Context& ctx);
void install_down(CLI::App& app, Context& ctx);
void install_doctor(CLI::App& app, Context& ctx);

}  // namespace drover::cli
