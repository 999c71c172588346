#pragma once
// What every command gets: the global options, the output, and lazily opened project
// resources (paths, config, store).
#include <functional>
#include <memory>
#include <optional>
#include <string>

#include "cli/output.h"
#include "cli/project.h"
#include "core/config.h"
#include "store/store.h"

namespace drover::cli {

struct GlobalOptions {
  std::optional<std::string> project;
  bool json = false;
  bool quiet = false;
  bool no_color = false;
};

class Context {
 public:
  GlobalOptions opts;
  Output out;
  // The command selected by parsing; run after the command line is fully parsed.
  std::function<Status()> action;
  // Set by a command whose failing Status follows a report it already printed (doctor):
  // the error then only sets the exit code, so --json still prints one document.
  bool error_reported = false;

  Result<ProjectPaths> project();
  Result<Config> config();
  // For commands that must keep working when config.toml is invalid (status, stop, down):
  // the config, or every default after one warning on stderr naming the file and the
  // problem. A missing project is still an error.
  Result<Config> config_or_defaults();
  Result<store::Store*> store();
  // Inside an agent's turn, store() fences every write by the turn's lease
  // (cli/turn_fence.h). `drover turn`, the runner, fences its own settle instead and turns
  // this off before opening the store.
  void no_agent_turn_fence() { fence_agent_turn_ = false; }
  // The mail identity of whoever runs this command: $DROVER_AGENT, else "operator".
  static std::string self_name();
  // `--host` of supervise / up (docs/hosts.md), when given.
  std::optional<std::string> host_flag;
  // This machine's host id on the store: --host, else $DROVER_HOST, else the hostname
  // (core/host_id.h). An invalid --host or DROVER_HOST is a usage error.
  Result<std::string> host_id() const;

 private:
  std::optional<ProjectPaths> project_;
  std::optional<Config> config_;
  std::optional<std::string> configured_store(const ProjectPaths& p);
  bool warned_config_ = false;
  bool fence_agent_turn_ = true;
  std::unique_ptr<store::Store> store_;
};

}  // namespace drover::cli
