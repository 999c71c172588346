#pragma once
// The one table of commands. Each command lives in its own file and installs its
// CLI11 subcommand; its callback stores the action to run in Context::action.
#include <span>

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

// Installers, one per file in src/cli/.
void install_init(CLI::App& app, Context& ctx);
void install_mail(CLI::App& app, Context& ctx);
void install_status(CLI::App& app, Context& ctx);
void install_completions(CLI::App& app, Context& ctx);
void install_turn(CLI::App& app, Context& ctx);

}  // namespace drover::cli
