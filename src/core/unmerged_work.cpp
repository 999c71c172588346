#include "core/unmerged_work.h"

namespace drover {

std::string describe_unmerged(const UnmergedWork& w) {
  std::string out;
  if (w.commits > 0) {
    out = std::to_string(w.commits) + (w.commits == 1 ? " commit" : " commits") + " not on " +
          (w.base.empty() ? "any other branch" : w.base + " or any other branch");
  }
  if (w.dirty != "clean" && !w.dirty.empty()) out += (out.empty() ? "" : ", ") + w.dirty;
  return out;
}

}  // namespace drover
