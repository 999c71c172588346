#pragma once
// The fence for an agent's own commands (docs/hosts.md). The runner starts every agent
// with DROVER_AGENT and DROVER_TURN; a command run inside that turn writes only while the
// turn's host and token are still the agent's lease. A turn whose host lost the lease (a
// paused VM, a partition) can run on until its host notices; whatever its agent then
// writes (`mail send`, `mail reply`, `sling`, any other write) is refused with the fence's
// "lease lost: …" (exit 4), and nothing of it is written.
namespace drover::store {
class Store;
}

namespace drover::cli {

// Sets the store's write guard when the environment names a turn (DROVER_TURN, a whole
// number) of an agent (DROVER_AGENT). A turn that is not that agent's, or that the store
// does not know, is not fenced: the check is the lease's, not the environment's.
void fence_agent_turn(store::Store& store);

}  // namespace drover::cli
