#include "core/live_view_keys.h"

#include <algorithm>

namespace drover {

namespace {

// Drops the last UTF-8 character of s.
void drop_last_utf8_char(std::string& s) {
  while (!s.empty()) {
    unsigned char c = static_cast<unsigned char>(s.back());
    s.pop_back();
    if ((c & 0xC0) != 0x80) break;
  }
}

// Moves the selection by `delta` rows within v.shown (clamped).
void move_view_selection(ViewState& v, long delta) {
  if (v.shown.empty()) return;
  long last = static_cast<long>(v.shown.size()) - 1;
  long at = std::clamp(static_cast<long>(selected_index(v)) + delta, 0L, last);
  v.cursor = static_cast<std::size_t>(at);
  v.selected = v.shown[v.cursor];
  keep_selection_visible(v);
}

ViewAction keys_in_list(ViewState& v, const KeyPress& k) {
  long page = static_cast<long>(std::max<std::size_t>(v.page, 1));
  bool has_selection = selected_index(v) < v.shown.size();
  switch (k.key) {
    case ViewKey::up: move_view_selection(v, -1); return {};
    case ViewKey::down: move_view_selection(v, 1); return {};
    case ViewKey::page_up: move_view_selection(v, -page); return {};
    case ViewKey::page_down: move_view_selection(v, page); return {};
    case ViewKey::home: move_view_selection(v, -static_cast<long>(v.shown.size())); return {};
    case ViewKey::end: move_view_selection(v, static_cast<long>(v.shown.size())); return {};
    case ViewKey::escape: v.filter.clear(); return {};
    case ViewKey::enter:
      if (!has_selection) return {};
      v.mode = ViewMode::log;
      v.log_scroll = 0;
      return {ViewAction::Kind::open_log, v.selected, ""};
    case ViewKey::backspace: return {};
    case ViewKey::text: break;
  }
  if (k.text == "q" || k.text == "Q") return {ViewAction::Kind::quit, "", ""};
  if (k.text == "/") {
    v.mode = ViewMode::filter;
    return {};
  }
  if ((k.text == "n" || k.text == "s" || k.text == "p") && !has_selection) {
    v.notice = "no agent selected";
    return {};
  }
  if (k.text == "p") return {ViewAction::Kind::pause, v.selected, ""};
  if (k.text == "n") {
    v.mode = ViewMode::nudge;
    v.input.clear();
  } else if (k.text == "s") {
    v.mode = ViewMode::confirm_stop;
  }
  return {};
}

ViewAction keys_in_log(ViewState& v, const KeyPress& k) {
  std::size_t page = std::max<std::size_t>(v.page, 1);
  switch (k.key) {
    case ViewKey::up: ++v.log_scroll; break;
    case ViewKey::down: v.log_scroll -= v.log_scroll > 0 ? 1 : 0; break;
    case ViewKey::page_up: v.log_scroll += page; break;
    case ViewKey::page_down: v.log_scroll -= std::min(v.log_scroll, page); break;
    case ViewKey::home:
      v.log_scroll = static_cast<std::size_t>(-1) / 2;
      break;  // clamped by layout
    case ViewKey::end: v.log_scroll = 0; break;
    case ViewKey::escape: v.mode = ViewMode::list; break;
    case ViewKey::text:
      if (k.text == "q" || k.text == "Q") v.mode = ViewMode::list;
      break;
    case ViewKey::enter:
    case ViewKey::backspace: break;
  }
  return {};
}

}  // namespace

std::size_t selected_index(const ViewState& v) {
  auto it = std::find(v.shown.begin(), v.shown.end(), v.selected);
  return static_cast<std::size_t>(it - v.shown.begin());
}

void keep_selection_visible(ViewState& v) {
  if (v.shown.empty()) {
    v.top = 0;
    return;
  }
  std::size_t at = selected_index(v);
  if (at == v.shown.size()) {
    at = std::min(v.cursor, v.shown.size() - 1);
    v.selected = v.shown[at];
  }
  v.cursor = at;
  std::size_t page = std::max<std::size_t>(v.page, 1);
  if (at < v.top) v.top = at;
  if (at >= v.top + page) v.top = at + 1 - page;
  // No empty rows below the list while rows above it are hidden.
  if (v.top + page > v.shown.size()) v.top = v.shown.size() > page ? v.shown.size() - page : 0;
}

ViewAction press_key(ViewState& v, const KeyPress& k) {
  v.notice.clear();
  switch (v.mode) {
    case ViewMode::list: return keys_in_list(v, k);
    case ViewMode::log: return keys_in_log(v, k);
    case ViewMode::filter:
      if (k.key == ViewKey::text) v.filter += k.text;
      else if (k.key == ViewKey::backspace) drop_last_utf8_char(v.filter);
      else if (k.key == ViewKey::enter) v.mode = ViewMode::list;
      else if (k.key == ViewKey::escape) {
        v.filter.clear();
        v.mode = ViewMode::list;
      }
      return {};
    case ViewMode::nudge:
      if (k.key == ViewKey::text) v.input += k.text;
      else if (k.key == ViewKey::backspace) drop_last_utf8_char(v.input);
      else if (k.key == ViewKey::escape) {
        v.mode = ViewMode::list;
        v.notice = "nudge cancelled";
      } else if (k.key == ViewKey::enter) {
        v.mode = ViewMode::list;
        std::string text = std::move(v.input);
        v.input.clear();
        return {ViewAction::Kind::nudge, v.selected, text};
      }
      return {};
    case ViewMode::confirm_stop:
      v.mode = ViewMode::list;
      if (k.key == ViewKey::text && (k.text == "y" || k.text == "Y"))
        return {ViewAction::Kind::stop, v.selected, ""};
      v.notice = "not stopped";
      return {};
  }
  return {};
}

}  // namespace drover
