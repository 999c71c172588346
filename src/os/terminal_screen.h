#pragma once
// The full-screen terminal for the live view (issue 16), behind a small interface so the
// rest of drover never sees curses: paint the lines of a frame, read keys, wait for a key,
// a watched file descriptor or a signal.
//
// The terminal is always given back: the destructor leaves curses (endwin); SIGINT,
// SIGTERM and SIGHUP only wake wait() (the caller leaves, then dies by the signal);
// SIGWINCH reaches curses, which reports the new size; a crash (SIGSEGV, SIGBUS, SIGFPE,
// SIGILL, SIGABRT) writes the terminal settings saved before curses started back, leaves
// the alternate screen, shows the cursor, and then dies by its signal as it would have.
#include <chrono>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/live_view_keys.h"
#include "core/result.h"
#include "core/swarm_view.h"

namespace drover::os {

class TerminalScreen {
 public:
  // Takes over the terminal on stdin/stdout. Errors: Errc::usage when either is not a
  // terminal, Errc::failed when curses cannot start (an unknown TERM).
  static Result<std::unique_ptr<TerminalScreen>> open();
  ~TerminalScreen();
  TerminalScreen(const TerminalScreen&) = delete;
  TerminalScreen& operator=(const TerminalScreen&) = delete;

  std::size_t width() const;
  std::size_t height() const;

  // Replaces the screen with `lines` (one per row from the top; rows below are cleared).
  void draw(const std::vector<ScreenLine>& lines);

  enum class Wake {
    input,    // a key (or a resize) is ready: read them with next_key()
    watched,  // `fd` became readable
    signal,   // SIGINT, SIGTERM or SIGHUP arrived: see pending_signal()
    timeout,
  };
  // Waits up to `timeout` for one of the above; `fd` < 0 watches nothing extra.
  Wake wait(int fd, std::chrono::milliseconds timeout);
  // The next key pressed, without waiting; nullopt when there is none. A resize returns
  // nullopt too and sets resized().
  std::optional<KeyPress> next_key();
  // Whether the terminal changed size since the last call (true once per change).
  bool resized();
  // The first of SIGINT/SIGTERM/SIGHUP that arrived, 0 when none did.
  int pending_signal() const;

 private:
  TerminalScreen() = default;
  bool resized_ = false;
};

// Runs `fn` with stderr sent to a temporary file (so a warning cannot scribble on the
// full-screen view) and returns what it wrote there.
std::string capture_stderr(const std::function<void()>& fn);

}  // namespace drover::os
