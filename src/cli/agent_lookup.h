#pragma once
// The one "no agent named" error of the commands that act on an agent, with the closest
// name as a suggestion.
#include <string>

#include "core/result.h"

namespace drover::store {
class Tx;
}

namespace drover::cli {

// not_found: "no agent named 'alise' (did you mean 'alice'?)", or "(see 'drover status')"
// when no name is close.
Error no_agent_named(store::Tx& tx, const std::string& name);

}  // namespace drover::cli
