#include "core/merge_plan.h"

#include <algorithm>

#include "core/text.h"

namespace drover {

std::optional<Error> merge_refusal(const MergeFacts& f) {
  if (f.state == SessionState::in_turn)
    return make_error(Errc::conflict, "agent '" + f.agent +
                                          "' is in a turn and its branch is still moving (wait "
                                          "for the turn to end, or 'drover stop " +
                                          f.agent + "')");
  if (!f.checked_out || *f.checked_out != f.target)
    return make_error(
        Errc::conflict,
        "the project's checkout is on " +
            (f.checked_out ? "branch " + *f.checked_out : std::string("a detached HEAD")) +
            ", not " + f.target + " (run 'git checkout " + f.target + "' first, or pass --into " +
            (f.checked_out ? *f.checked_out : std::string("BRANCH")) + ")");
  if (f.tracked_changes > 0)
    return make_error(Errc::conflict,
                      "the project's checkout has " + std::to_string(f.tracked_changes) +
                          " uncommitted change" + (f.tracked_changes == 1 ? "" : "s") +
                          " to tracked files (commit or stash them first)");
  return std::nullopt;
}

namespace {

// The NUL-terminated fields of `s` (a last field without its NUL counts too).
std::vector<std::string_view> merge_plan_fields(std::string_view s) {
  std::vector<std::string_view> out;
  std::size_t start = 0;
  while (start < s.size()) {
    auto end = s.find('\0', start);
    if (end == std::string_view::npos) end = s.size();
    out.push_back(s.substr(start, end - start));
    start = end + 1;
  }
  return out;
}

}  // namespace

int count_tracked_changes(std::string_view porcelain_z) {
  int n = 0;
  auto fields = merge_plan_fields(porcelain_z);
  for (std::size_t i = 0; i < fields.size(); ++i) {
    auto f = fields[i];
    if (f.size() < 3) continue;
    auto code = f.substr(0, 2);
    if (code == "??" || code == "!!") continue;
    ++n;
    // A rename or copy is followed by its source path as a field of its own.
    if (code[0] == 'R' || code[0] == 'C' || code[1] == 'R' || code[1] == 'C') ++i;
  }
  return n;
}

MergeTreeResult parse_merge_tree(std::string_view out_z) {
  MergeTreeResult r;
  auto fields = merge_plan_fields(out_z);
  if (fields.empty()) return r;
  r.tree = std::string(fields[0]);
  while (!r.tree.empty() && (r.tree.back() == '\n' || r.tree.back() == ' ')) r.tree.pop_back();
  for (std::size_t i = 1; i < fields.size() && !fields[i].empty(); ++i) {
    std::string path(fields[i]);
    if (std::find(r.conflicts.begin(), r.conflicts.end(), path) == r.conflicts.end())
      r.conflicts.push_back(std::move(path));
  }
  return r;
}

std::string merge_message(const std::string& branch, const std::string& task) {
  std::string first = task.substr(0, task.find('\n'));
  while (!first.empty() && (first.back() == ' ' || first.back() == '\r')) first.pop_back();
  std::size_t lead = first.find_first_not_of(' ');
  first = lead == std::string::npos ? "" : first.substr(lead);
  if (first.empty()) return "Merge " + branch;
  return "Merge " + branch + ": " + one_line_summary(first, 72);
}

std::string describe_conflicts(const std::vector<std::string>& files, std::size_t shown) {
  std::string out;
  std::size_t n = std::min(files.size(), shown);
  for (std::size_t i = 0; i < n; ++i) out += (i ? ", " : "") + escape_control(files[i]);
  if (files.size() > n) out += " and " + std::to_string(files.size() - n) + " more";
  return out;
}

}  // namespace drover
