#include "cli/turn_fence.h"

#include <charconv>
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include "runner/turn_ends.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::cli {

void fence_agent_turn(store::Store& store) {
  const char* agent = std::getenv("DROVER_AGENT");
  const char* turn = std::getenv("DROVER_TURN");
  if (agent == nullptr || *agent == '\0' || turn == nullptr) return;
  std::string_view text = turn;
  std::int64_t id = 0;
  auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), id);
  if (ec != std::errc() || end != text.data() + text.size() || id <= 0) return;
  store.set_write_guard([name = std::string(agent), id](store::Tx& tx) -> std::optional<Error> {
    auto t = tx.turns().get(id);
    if (!t || t->agent != name) return std::nullopt;
    return runner::lease_lost(tx, *t);
  });
}

}  // namespace drover::cli
