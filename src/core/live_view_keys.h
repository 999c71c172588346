#pragma once
// What the keys do in the live view (`drover status --watch`, `drover top`; issue 16):
// the view's interaction state and one function from a key press to the next state and
// the action the caller must carry out (open a log, nudge, stop). Pure: the terminal
// code maps its key codes to KeyPress and does the actions.
//
//   list:          ↑/↓ PgUp/PgDn Home/End select · Enter log · n nudge · s stop
//                  · p pause/unpause
//                  · / filter · Esc clears the filter · q quit
//   filter:        typed text edits the filter (name or capability substring) · Enter keeps
//                  it · Esc clears it
//   nudge:         typed text is the message · Enter sends · Esc cancels
//   confirm_stop:  y stops · anything else does not
//   log:           ↑/↓ PgUp/PgDn scroll · Home oldest · End newest · q/Esc back
#include <cstddef>
#include <string>
#include <vector>

namespace drover {

enum class ViewMode { list, filter, nudge, confirm_stop, log };

struct ViewState {
  ViewMode mode = ViewMode::list;
  std::string selected;        // the selected agent's name ("": none yet, the first)
  std::size_t cursor = 0;      // its index in `shown` when last seen there
  std::size_t top = 0;         // index (in `shown`) of the first list row on screen
  std::string filter;          // name/capability substring; empty: every agent
  std::string input;           // the nudge message being typed
  std::string notice;          // one line for the footer, cleared by the next key
  std::size_t log_scroll = 0;  // log: lines scrolled back from the newest
  // Set by the layout (core/swarm_view.h) for the keys: the names listed, in order, and
  // how many list (or log) rows fit on the screen.
  std::vector<std::string> shown;
  std::size_t page = 1;
};

enum class ViewKey {
  up,
  down,
  page_up,
  page_down,
  home,
  end,
  enter,
  escape,
  backspace,
  text,  // a printable character, UTF-8 in KeyPress::text
};

struct KeyPress {
  ViewKey key = ViewKey::text;
  std::string text;  // ViewKey::text only: one character, UTF-8
};

struct ViewAction {
  enum class Kind {
    none,      // redraw with the new state
    quit,      // leave the view
    open_log,  // mode is now log: read `agent`'s timeline
    nudge,     // queue a nudge for `agent` with `text` (empty: the default nudge text)
    stop,      // stop `agent` (confirmed)
    pause,     // pause `agent`, or unpause it when it is paused (cli/pause.h)
  } kind = Kind::none;
  std::string agent;
  std::string text;
};

// Applies one key press to `v` (see the table above) and says what the caller must do.
ViewAction press_key(ViewState& v, const KeyPress& k);

// Keeps the selection on a listed agent and on the screen: the selected name if it is
// still in `v.shown`, else the row at its old position `cursor` (the last one when the
// list got shorter); `top` moves as little as it must so the selection lies in [top, top + page).
void keep_selection_visible(ViewState& v);

// The selected agent's index in `v.shown` (v.shown.size() when nothing is listed).
std::size_t selected_index(const ViewState& v);

}  // namespace drover
