#pragma once
// The gates repository (schema v8): one row per `drover ask`, keyed by its decision_gate
// mail's id, decided (or closed) once. Reached only through store::Tx. Rules: core/gate.h.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/gate.h"

namespace drover::store {

class Connection;

class Gates {
 public:
  explicit Gates(Connection& db) : db_(db) {}

  void insert(const Gate& g);
  std::optional<Gate> get(std::int64_t id);
  // Undecided gates whose asker is a live session, oldest first; of one asker when given.
  std::vector<Gate> open(std::optional<std::string_view> asker = std::nullopt);
  // Records the decision unless one is recorded already; whether it was recorded.
  bool decide(std::int64_t id, const std::string& decision, const std::optional<std::string>& note,
              const std::string& by, const std::string& at, std::int64_t mail);
  // Undecided gates of `asker` (live or not), to be closed.
  std::vector<Gate> undecided_of(std::string_view asker);
  // Whether `agent` has an undecided gate that holds its turns (core/gate.h GateWait).
  bool holding(std::string_view agent);
  // The most recently decided gate of `asker` for `step` (closed ones excluded).
  std::optional<Gate> latest_decided(std::string_view asker, std::string_view step);

 private:
  Connection& db_;
};

}  // namespace drover::store
