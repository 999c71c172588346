#pragma once
// The SQLite file this supervisor opened must still be the project's: deleted or replaced
// (`init --force` after removing it), every write would go to a file nobody reads. A
// PostgreSQL store has no file here, and nothing to watch.
#include <filesystem>
#include <optional>

#include "os/files.h"

namespace spdlog {
class logger;
}

namespace drover::supervisor {

class DatabaseWatch {
 public:
  // Remembers the file's identity now.
  explicit DatabaseWatch(std::filesystem::path db);
  // True (logged once as an error) when the file is gone or another file is there now.
  bool replaced(spdlog::logger& log) const;

 private:
  std::filesystem::path db_;
  std::optional<os::FileIdentity> identity_;
};

}  // namespace drover::supervisor
