#include "core/git_status.h"

#include <array>

namespace drover {

namespace {

enum Kind { modified, added, deleted, renamed, copied, conflicted, untracked, kKinds };

constexpr std::array<const char*, kKinds> kNames = {"modified", "added",      "deleted",  "renamed",
                                                    "copied",   "conflicted", "untracked"};

bool unmerged(char x, char y) {
  // git status: DD, AU, UD, UA, DU, AA, UU are the unmerged combinations.
  return x == 'U' || y == 'U' || (x == 'A' && y == 'A') || (x == 'D' && y == 'D');
}

// The kind of one "XY" status, or -1 for entries that are not changes.
int classify(char x, char y) {
  if (x == '?' && y == '?') return untracked;
  if (x == '!' && y == '!') return -1;
  if (unmerged(x, y)) return conflicted;
  if (x == 'R' || y == 'R') return renamed;
  if (x == 'C' || y == 'C') return copied;
  if (x == 'A' || y == 'A') return added;
  if (x == 'D' || y == 'D') return deleted;
  if (x == 'M' || y == 'M' || x == 'T' || y == 'T') return modified;
  return -1;
}

}  // namespace

std::string summarize_porcelain(std::string_view in) {
  std::array<int, kKinds> counts{};
  std::size_t pos = 0;
  while (pos < in.size()) {
    auto end = in.find('\0', pos);
    std::string_view entry =
        in.substr(pos, end == std::string_view::npos ? std::string_view::npos : end - pos);
    pos = end == std::string_view::npos ? in.size() : end + 1;
    // "XY PATH"; anything shorter is not an entry (e.g. a trailing newline).
    if (entry.size() < 4 || entry[2] != ' ') continue;
    char x = entry[0], y = entry[1];
    int kind = classify(x, y);
    if (kind >= 0) ++counts[static_cast<std::size_t>(kind)];
    // Renames and copies carry the original path as the next NUL-terminated field.
    if (x == 'R' || x == 'C' || y == 'R' || y == 'C') {
      auto next = in.find('\0', pos);
      pos = next == std::string_view::npos ? in.size() : next + 1;
    }
  }
  std::string out;
  for (std::size_t k = 0; k < kKinds; ++k) {
    if (counts[k] == 0) continue;
    if (!out.empty()) out += ", ";
    out += std::to_string(counts[k]) + " " + kNames[k];
  }
  return out.empty() ? "clean" : out;
}

}  // namespace drover
