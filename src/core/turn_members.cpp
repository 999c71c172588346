#include "core/turn_members.h"

namespace drover {

std::vector<ProcessRow> turn_members(const TurnOrigin& turn, LeaderNow leader,
                                     const std::vector<ProcessRow>& table) {
  std::vector<ProcessRow> out;
  if (leader == LeaderNow::reused || leader == LeaderNow::other_boot) return out;
  if (turn.pid <= 1 || turn.pgid != turn.pid) return out;
  for (const auto& p : table) {
    if (p.dead || p.pid <= 1) continue;
    bool in_turn = p.pgid == turn.pgid || p.sid == turn.pgid;
    if (in_turn && p.start_ticks >= turn.start_ticks) out.push_back(p);
  }
  return out;
}

}  // namespace drover
