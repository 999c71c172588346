#pragma once
// A host's name on a shared store (docs/hosts.md): `--host` when given, else DROVER_HOST,
// else the machine's hostname. It names the host in leases, turns and `status`.
#include <optional>
#include <string>
#include <string_view>

#include "core/result.h"

namespace drover {

// 1–63 characters of [A-Za-z0-9._-], starting with a letter or digit.
Status validate_host_id(std::string_view id);

// The first of `flag`, `env` (empty counts as unset) and `hostname` that is set. An
// invalid flag or environment value is an error naming where it came from; an unusable
// hostname falls back to "localhost".
Result<std::string> resolve_host_id(const std::optional<std::string>& flag,
                                    const std::optional<std::string>& env,
                                    const std::string& hostname);

}  // namespace drover
