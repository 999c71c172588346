// The live view's keys (core/live_view_keys.h): each mode's keys and the actions they ask.
#include <doctest/doctest.h>

#include "core/live_view_keys.h"

using namespace drover;

namespace {

ViewState keys_listed(std::vector<std::string> names) {
  ViewState v;
  v.shown = std::move(names);
  v.page = 10;
  keep_selection_visible(v);
  return v;
}

KeyPress key_typed(const std::string& t) { return {ViewKey::text, t}; }
KeyPress key_pressed(ViewKey k) { return {k, ""}; }

}  // namespace

TEST_CASE("view keys: arrows move the selection within the list") {
  ViewState v = keys_listed({"alice", "bob", "carol"});
  CHECK(v.selected == "alice");
  press_key(v, key_pressed(ViewKey::up));
  CHECK(v.selected == "alice");
  press_key(v, key_pressed(ViewKey::down));
  press_key(v, key_pressed(ViewKey::down));
  press_key(v, key_pressed(ViewKey::down));
  CHECK(v.selected == "carol");
  press_key(v, key_pressed(ViewKey::home));
  CHECK(v.selected == "alice");
  press_key(v, key_pressed(ViewKey::page_down));
  CHECK(v.selected == "carol");
}

TEST_CASE("view keys: Enter opens the selected agent's log, q and Esc come back") {
  ViewState v = keys_listed({"alice", "bob"});
  press_key(v, key_pressed(ViewKey::down));
  auto a = press_key(v, key_pressed(ViewKey::enter));
  CHECK(a.kind == ViewAction::Kind::open_log);
  CHECK(a.agent == "bob");
  CHECK(v.mode == ViewMode::log);
  CHECK(press_key(v, key_typed("q")).kind == ViewAction::Kind::none);  // q leaves the log only
  CHECK(v.mode == ViewMode::list);
  press_key(v, key_pressed(ViewKey::enter));
  press_key(v, key_pressed(ViewKey::escape));
  CHECK(v.mode == ViewMode::list);
  CHECK(press_key(v, key_typed("q")).kind == ViewAction::Kind::quit);
}

TEST_CASE("view keys: n prompts for a message, Enter nudges, Esc cancels") {
  ViewState v = keys_listed({"alice"});
  press_key(v, key_typed("n"));
  CHECK(v.mode == ViewMode::nudge);
  for (const char* c : {"g", "o", "!", "é"}) press_key(v, key_typed(c));
  press_key(v, key_pressed(ViewKey::backspace));  // removes the whole "é"
  auto a = press_key(v, key_pressed(ViewKey::enter));
  CHECK(a.kind == ViewAction::Kind::nudge);
  CHECK(a.agent == "alice");
  CHECK(a.text == "go!");
  CHECK(v.mode == ViewMode::list);
  CHECK(v.input.empty());
  // q is text while typing, not quit.
  press_key(v, key_typed("n"));
  CHECK(press_key(v, key_typed("q")).kind == ViewAction::Kind::none);
  press_key(v, key_pressed(ViewKey::escape));
  CHECK(v.mode == ViewMode::list);
  CHECK(v.notice == "nudge cancelled");
  // An empty message asks for the default nudge.
  press_key(v, key_typed("n"));
  a = press_key(v, key_pressed(ViewKey::enter));
  CHECK(a.kind == ViewAction::Kind::nudge);
  CHECK(a.text.empty());
}

TEST_CASE("view keys: s asks to confirm, only y stops") {
  ViewState v = keys_listed({"alice"});
  press_key(v, key_typed("s"));
  CHECK(v.mode == ViewMode::confirm_stop);
  auto a = press_key(v, key_typed("y"));
  CHECK(a.kind == ViewAction::Kind::stop);
  CHECK(a.agent == "alice");
  press_key(v, key_typed("s"));
  CHECK(press_key(v, key_pressed(ViewKey::enter)).kind == ViewAction::Kind::none);
  CHECK(v.notice == "not stopped");
  press_key(v, key_typed("s"));
  CHECK(press_key(v, key_typed("q")).kind == ViewAction::Kind::none);  // not quit either
  CHECK(v.mode == ViewMode::list);
}

TEST_CASE("view keys: / edits the filter, Enter keeps it, Esc clears it") {
  ViewState v = keys_listed({"alice"});
  press_key(v, key_typed("/"));
  press_key(v, key_typed("b"));
  press_key(v, key_typed("u"));
  press_key(v, key_typed("x"));
  press_key(v, key_pressed(ViewKey::backspace));
  CHECK(v.filter == "bu");
  press_key(v, key_pressed(ViewKey::enter));
  CHECK(v.mode == ViewMode::list);
  CHECK(v.filter == "bu");
  press_key(v, key_pressed(ViewKey::escape));  // in the list, Esc clears it too
  CHECK(v.filter.empty());
  press_key(v, key_typed("/"));
  press_key(v, key_typed("z"));
  press_key(v, key_pressed(ViewKey::escape));
  CHECK(v.filter.empty());
  CHECK(v.mode == ViewMode::list);
}

TEST_CASE("view keys: p, n and s need a selected agent, no agent, no action") {
  ViewState v = keys_listed({});
  CHECK(press_key(v, key_typed("p")).kind == ViewAction::Kind::none);
  CHECK(v.notice == "no agent selected");
  CHECK(press_key(v, key_pressed(ViewKey::enter)).kind == ViewAction::Kind::none);
  CHECK(v.mode == ViewMode::list);
  press_key(v, key_typed("s"));
  CHECK(v.mode == ViewMode::list);
  CHECK(v.notice == "no agent selected");
  press_key(v, key_pressed(ViewKey::down));  // any key clears the notice
  CHECK(v.notice.empty());
}

TEST_CASE("view keys: p toggles the pause of the selected agent at once") {
  ViewState v = keys_listed({"alice", "bob"});
  press_key(v, key_pressed(ViewKey::down));
  auto a = press_key(v, key_typed("p"));
  CHECK(a.kind == ViewAction::Kind::pause);
  CHECK(a.agent == "bob");
  CHECK(v.mode == ViewMode::list);
}
