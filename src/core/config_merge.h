#pragma once
// `drover init --force` on an existing config.toml (SPEC §6.9, §8): keep every value the
// user set, add the keys the file lacks with their defaults. Pure: text in, text out.
#include <string>
#include <string_view>
#include <vector>

#include "core/result.h"

namespace drover {

struct MergedConfig {
  std::string text;                // the user's text, unchanged except for what was added
  std::vector<std::string> added;  // the keys added, as "section.key", in the defaults' order
};

// Merges `user` with `defaults` (the text `drover init` writes: `[section]` headers, one
// `key = value` per key, an array value may continue on indented lines). The user's text
// is kept byte for byte; each key of the defaults that the user's file lacks is inserted,
// with its comment, right after that section's `[section]` header line, and a section the
// file lacks altogether is appended whole. A key of a section the user wrote without a
// header line (dotted keys, inline tables) is not added: it keeps its default anyway.
// Since a missing key takes its default, the merged file configures exactly what the
// user's did. Errors: the user's text does not pass parse_config (Errc::project, the
// parse error naming `file_label`): it is never merged into.
Result<MergedConfig> merge_config(std::string_view user, std::string_view defaults,
                                  std::string_view file_label);

}  // namespace drover
