#pragma once
// The text of a JSON document built as nlohmann's tree, without the throw nlohmann's dump
// makes on invalid UTF-8: such bytes in a string become U+FFFD (JsonWriter, for documents
// written as they go, does the same). Every dump of a tree in drover goes through here.
#include <nlohmann/json.hpp>
#include <string>

namespace drover {

// Compact (indent -1), or one member or element per line with `indent` spaces.
inline std::string dump_json(const nlohmann::json& doc, int indent = -1) {
  return doc.dump(indent, ' ', false, nlohmann::json::error_handler_t::replace);
}

}  // namespace drover
