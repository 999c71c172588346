#include "cli/app.h"

#include <unistd.h>

#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdlib>
#include <iostream>
#include <string_view>

#include "cli/argv_shield.h"
#include "cli/context.h"
#include "cli/exit_codes.h"
#include "cli/registry.h"
#include "cli/usage_words.h"
#include "os/process.h"

namespace drover::cli {

namespace {

void allow_globals_after(CLI::App& app) {
  for (CLI::App* sub : app.get_subcommands({})) {
    sub->fallthrough();
    allow_globals_after(*sub);
  }
}

// The deepest command the parse reached (the app itself when none).
const CLI::App& deepest_parsed(const CLI::App& app) {
  const CLI::App* cur = &app;
  for (;;) {
    auto subs = cur->get_subcommands();
    if (subs.empty()) return *cur;
    cur = subs.front();
  }
}

// The command the line names: its first word that is neither a global option nor the
// value of --project, when that word is a command of the table. nullptr otherwise (no
// command, `--help`, a misspelt one: the whole tree is built for the help and the
// suggestions).
const CommandEntry* named_command(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    std::string_view a = argv[i];
    if (a == "--") return nullptr;
    if (a == "--project") {
      ++i;  // its value
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    for (const auto& c : commands())
      if (a == c.name) return &c;
    return nullptr;
  }
  return nullptr;
}

}  // namespace

int run(int argc, char** argv) {
  os::ignore_sigpipe();
  Context ctx;
  CLI::App app{"drover: a supervisor for swarms of AI coding agents", "drover"};
  app.set_version_flag("--version", std::string("drover ") + DROVER_VERSION);
  app.require_subcommand(0, 1);
  app.add_option("--project", ctx.opts.project,
                 "project directory (default: nearest with .drover/)");
  app.add_flag("--json", ctx.opts.json, "print exactly one JSON document");
  app.add_flag("-q,--quiet", ctx.opts.quiet, "print only what was asked for");
  app.add_flag("--no-color", ctx.opts.no_color, "no ANSI colours (also NO_COLOR)");
  // Building every command's options is a third of a short command's instructions
  // (issue 18: the turn path): when the line names one, only that one is built. Help
  // without a command, a misspelt command and `completions` (which walks the whole tree)
  // get every command.
  // `drover --version` alone needs none of them.
  const CommandEntry* named = named_command(argc, argv);
  bool version_only = argc == 2 && std::string_view(argv[1]) == "--version";
  if (named != nullptr && std::string_view(named->name) != "completions")
    named->install(app.add_subcommand(named->name, named->summary), ctx);
  else if (!version_only)
    for (const auto& c : commands()) c.install(app.add_subcommand(c.name, c.summary), ctx);
  allow_globals_after(app);
  unshield_all_options(app);

  try {
    if (auto unknown = unknown_command(app, std::vector<std::string>(argv + 1, argv + argc))) {
      ctx.out.json = std::find(argv + 1, argv + argc, std::string("--json")) != argv + argc;
      ctx.out.error(make_error(Errc::usage, *unknown));
      return exit_code(Errc::usage);
    }
    auto args = shielded_arguments(argc, argv);
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForVersion& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    ctx.out.json = ctx.opts.json;
    ctx.out.error(make_error(Errc::usage, usage_words(e, deepest_parsed(app))));
    return exit_code(Errc::usage);
  }
  ctx.out.json = ctx.opts.json;
  ctx.out.quiet = ctx.opts.quiet;
  const char* no_color = std::getenv("NO_COLOR");
  ctx.out.color = !ctx.opts.no_color && !(no_color && *no_color) && isatty(STDOUT_FILENO);

  if (!ctx.action) {
    std::cout << app.help();
    return exit_code(Errc::usage);
  }
  Status s = ctx.action();
  if (!s.ok()) {
    if (!ctx.error_reported) ctx.out.error(s.error());
    return exit_code(s.error().code);
  }
  return 0;
}

}  // namespace drover::cli
