#include "cli/agent_branch.h"
#include "cli/agent_lookup.h"

#include "core/names.h"
#include "core/suggest.h"
#include "runner/branch_merge.h"
#include "store/sessions.h"

namespace drover::cli {

Result<Session> find_agent_session(Context& ctx, const std::string& name) {
  DROVER_TRY(validate_agent_name(name));
  auto st = ctx.store();
  if (!st) return st.error();
  return (*st)->read<Session>([&](store::Tx& tx) -> Result<Session> {
    auto s = tx.sessions().get(name);
    if (s) return *s;
    return no_agent_named(tx, name);
  });
}

Result<AgentBranch> agent_branch(const ProjectPaths& p, const Session& s) {
  if (!s.branch || s.branch->empty())
    return make_error(Errc::conflict, "agent '" + s.name +
                                          "' has no branch (it was slung without --worktree; "
                                          "its changes are in the project itself)");
  auto exists = runner::local_branch_exists(p, *s.branch);
  if (!exists) return exists.error();
  if (!*exists)
    return make_error(Errc::not_found, "branch " + *s.branch + " of agent '" + s.name +
                                           "' no longer exists (see 'git branch --list')");
  auto base = runner::branch_base(p, *s.branch);
  if (!base)
    return make_error(Errc::failed, "cannot tell what " + *s.branch +
                                        " was made from (check out its base branch in " +
                                        p.root.string() + ")");
  return AgentBranch{*s.branch, *base};
}

}  // namespace drover::cli
