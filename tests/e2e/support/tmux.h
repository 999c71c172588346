#pragma once
// A command in a tmux pane of a private tmux server (its socket in the test's project, so
// parallel tests never share one), for testing the full-screen live view the way a
// person sees it: keys in (send-keys), the screen out (capture-pane).
#include <chrono>
#include <string>
#include <vector>

#include "support/project.h"

namespace e2e {

bool tmux_available();  // tmux is on PATH

class TmuxPane {
 public:
  // Starts a detached session of `width`×`height` running `shell_command` with /bin/sh in
  // the project root, with the agent environment (PATH has drover first) and a UTF-8
  // locale.
  TmuxPane(const TempProject& p, const std::string& shell_command, int width, int height);
  ~TmuxPane();  // kills the private server and everything in it
  TmuxPane(const TmuxPane&) = delete;
  TmuxPane& operator=(const TmuxPane&) = delete;

  std::string screen() const;  // the visible pane, one line per row (capture-pane -p)
  // Polls the screen until it contains `text` (or no longer does); whether it did in time.
  bool wait_for(const std::string& text, std::chrono::milliseconds timeout = kDeadline) const;
  bool wait_gone(const std::string& text, std::chrono::milliseconds timeout = kDeadline) const;
  // tmux key names ("Down", "Enter", "Escape", "C-c") or literal text, one send-keys each.
  void keys(const std::vector<std::string>& keys) const;
  void text(const std::string& literal) const;  // send-keys -l
  void resize(int width, int height) const;
  // A tmux format of the pane, e.g. "#{alternate_on}" (1 while a program uses the
  // alternate screen), "#{cursor_flag}" (1 when the cursor is shown), "#{pane_pid}".
  std::string format(const std::string& fmt) const;

 private:
  std::vector<std::string> tmux(std::vector<std::string> args) const;
  std::string socket_;
};

}  // namespace e2e
