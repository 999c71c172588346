#include "core/branch_takeover.h"

namespace drover {

namespace {

std::string takeover_short_sha(const std::string& sha) { return sha.substr(0, 12); }

}  // namespace

TakeoverPlan plan_takeover(const TakeoverFacts& f, const std::string& branch,
                           const std::string& remote) {
  bool left_behind = f.pushed_elsewhere && f.recorded_sha && f.local_sha != f.recorded_sha;
  if (f.worktree_here && !left_behind) return {TakeoverAction::keep, "", ""};
  if (f.recorded_sha && f.local_sha == f.recorded_sha)
    return {TakeoverAction::restore_local, *f.recorded_sha, ""};
  if (!f.remote_asked) return {TakeoverAction::ask_remote, "", ""};
  const std::string on = "'" + remote + "'";
  if (f.remote_error)
    return {TakeoverAction::fresh, "",
            "the remote " + on + " could not be reached (" + *f.remote_error + ")"};
  if (!f.remote_sha) {
    if (!f.recorded_sha)
      return {TakeoverAction::fresh, "", "branch " + branch + " was never pushed to " + on};
    return {TakeoverAction::fresh, "",
            "branch " + branch + " is not on " + on + " (it was pushed there at " +
                takeover_short_sha(*f.recorded_sha) + ")"};
  }
  if (!f.recorded_sha)
    return {TakeoverAction::fresh, "",
            "branch " + branch + " on " + on + " is at " + takeover_short_sha(*f.remote_sha) +
                ", but no push of it was recorded (it may be another agent's of the same name)"};
  if (*f.remote_sha != *f.recorded_sha)
    return {TakeoverAction::fresh, "",
            "branch " + branch + " on " + on + " is at " + takeover_short_sha(*f.remote_sha) +
                ", not at " + takeover_short_sha(*f.recorded_sha) + ", the commit last pushed"};
  return {TakeoverAction::restore_remote, *f.remote_sha, ""};
}

std::string fresh_start_note(const std::string& branch, const std::string& remote,
                             const std::string& reason, const std::string& base,
                             const std::string& base_sha) {
  return "Your worktree was not on this host, and drover could not bring your branch " + branch +
         " here from the remote '" + remote + "': " + reason +
         ". You start again in a fresh worktree on " + branch + " from " + base + " (" +
         takeover_short_sha(base_sha) +
         "). Work you did on another host is not in it: check what your task still needs, "
         "and redo or recover it before you report.";
}

}  // namespace drover
