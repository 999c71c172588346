#pragma once
// Parsing JSON that drover did not write (agent output, --payload) without letting its
// nesting decide our stack use: nlohmann parses iteratively, but dump() and comparison
// recurse once per level, so a document 100,000 '[' deep overflowed the stack wherever it
// was shown again. Pure.
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

namespace drover {

// Objects and arrays inside each other; deeper documents are refused.
inline constexpr int kMaxJsonDepth = 128;

struct BoundedJson {
  enum class Status { ok, invalid, too_deep };
  Status status = Status::invalid;
  nlohmann::json value;  // set only when status is ok
};

BoundedJson parse_json_bounded(std::string_view text, int max_depth = kMaxJsonDepth);

// The same text as value.dump() (compact, invalid UTF-8 replaced), written with an explicit
// stack instead of dump()'s recursion, so any depth nlohmann parsed can be shown.
std::string compact_json(const nlohmann::json& value);

}  // namespace drover
