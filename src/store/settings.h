#pragma once
// The settings repository: project-wide flags, one row per key (schema v6). The E-stop
// (core/pause.h kEstopKey) is one. Reached only through store::Tx.
#include <optional>
#include <string>
#include <string_view>

namespace drover::store {

class Connection;

class Settings {
 public:
  explicit Settings(Connection& db) : db_(db) {}

  std::optional<std::string> get(std::string_view key);
  // Sets the key unless it is set already; true when it was set now.
  bool set_if_absent(std::string_view key, const std::string& value);
  // Removes the key; true when it was set.
  bool clear(std::string_view key);

 private:
  Connection& db_;
};

}  // namespace drover::store
