#pragma once
// What the two-host torture checks besides invariants.h (issue 19, docs/hosts.md), from
// the rows and events of the shared store once it is at rest:
// - Leases: an agent's lease tokens form one chain. Token 1 belongs to the host that
//   claimed the agent first; each `host_lost` event (lost host, taker, new token) raises
//   the token by one, moving it from the host that held it to the taker. The lease row now
//   is the chain's last link, and every turn ran under a (host, token) of the chain.
// - The fence: a turn that settled itself (its `turn_end` event) did so while its lease
//   was current — before any `host_lost` event that moved its token on, by event order.
//   A turn whose lease moved is ended by the taker's recovery instead, with no turn_end.
// - No two turns of one agent on different hosts both ran to a settle of their own while
//   overlapping: the earlier one's turn_end precedes the later one's turn_start.
#include <string>

#include "support/project.h"

namespace torture {

// `store`: the checkout whose database the hosts share. `when` names the moment.
void check_leases(const e2e::TempProject& store, const std::string& when);

}  // namespace torture
