#include "core/json_bounded.h"

#include <vector>

#include "core/json_text.h"

namespace drover {

// Compact JSON, the same text as dump(), but written with an explicit stack: dump()
// recurses once per nesting level, and a line of 100,000 '[' (200 KB, well under the line
// cap) exhausted the stack. The parser and the destructor are iterative already.
std::string compact_json(const nlohmann::json& value) {
  struct Level {
    nlohmann::json::const_iterator next, end;
    bool object;
    bool first = true;
  };
  std::vector<Level> open;
  std::string out;
  auto write = [&](const nlohmann::json& v) {
    if (!v.is_structured()) {
      out += dump_json(v);
      return;
    }
    out.push_back(v.is_object() ? '{' : '[');
    open.push_back(Level{v.cbegin(), v.cend(), v.is_object()});
  };
  write(value);
  while (!open.empty()) {
    Level& level = open.back();
    if (level.next == level.end) {
      out.push_back(level.object ? '}' : ']');
      open.pop_back();
      continue;
    }
    if (!level.first) out.push_back(',');
    level.first = false;
    if (level.object) {
      out += dump_json(nlohmann::json(level.next.key()));
      out.push_back(':');
    }
    const nlohmann::json& child = *level.next;
    ++level.next;  // before write(), which may reallocate `open`
    write(child);
  }
  return out;
}

BoundedJson parse_json_bounded(std::string_view text, int max_depth) {
  using Event = nlohmann::json::parse_event_t;
  bool too_deep = false;
  auto note_depth = [&](int depth, Event event, nlohmann::json&) {
    // `depth` counts the containers around the one that starts. Once too deep, keep
    // nothing more: the document is refused whole and need not be built.
    if ((event == Event::object_start || event == Event::array_start) && depth >= max_depth)
      too_deep = true;
    return !too_deep;
  };
  BoundedJson out;
  auto doc = nlohmann::json::parse(text, note_depth, false);
  if (too_deep) {
    out.status = BoundedJson::Status::too_deep;
  } else if (!doc.is_discarded()) {
    out.status = BoundedJson::Status::ok;
    out.value = std::move(doc);
  }
  return out;
}

}  // namespace drover
