#include "cli/agent_lookup.h"

#include <vector>

#include "core/suggest.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::cli {

Error no_agent_named(store::Tx& tx, const std::string& name) {
  std::vector<std::string> names;
  for (const auto& other : tx.sessions().list()) names.push_back(other.name);
  auto near = closest_word(name, names);
  return make_error(Errc::not_found,
                    "no agent named '" + name + "'" +
                        (near ? " (did you mean '" + *near + "'?)" : " (see 'drover status')"));
}

}  // namespace drover::cli
