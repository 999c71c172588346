#pragma once
// config.toml as a running supervisor follows it (docs/configuration in README, "Changing
// the config"): the file is read again at every wake-up and poll, and parsed when its text
// changed, or always when asked (SIGHUP, `drover reload`). A missing file means every
// default, as for the CLI.
#include <filesystem>
#include <optional>
#include <string>

#include "core/config.h"
#include "core/result.h"

namespace drover::supervisor {

class ConfigWatch {
 public:
  explicit ConfigWatch(std::filesystem::path file) : file_(std::move(file)) {}

  // nullopt: nothing to apply (the text is the one last parsed and `force` is false, or the
  // file cannot be read for a passing shortage — it is tried again later). Otherwise the new
  // config, or the error that names the file and what is wrong with it.
  std::optional<Result<Config>> check(bool force);

 private:
  std::filesystem::path file_;
  std::optional<std::string> last_text_;
};

}  // namespace drover::supervisor
