#include "core/json_bounded.h"

namespace drover {

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
