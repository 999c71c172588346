// The one file that includes curses (its macros would leak into a unity batch: this file
// is built on its own, see CMakeLists.txt).
#include "os/terminal_screen.h"

#include "core/table.h"

#define NCURSES_WIDECHAR 1
#include <curses.h>
#include <fcntl.h>
#include <langinfo.h>
#include <poll.h>
#include <signal.h>
#include <sys/mman.h>
#include <termios.h>
#include <unistd.h>

#include <cerrno>
#include <clocale>
#include <cstdio>
#include <cstring>
#include <string>

namespace drover::os {

namespace {

// Process-wide: there is one terminal, and the signal handlers need them.
termios g_saved_termios{};
volatile sig_atomic_t g_have_termios = 0;
volatile sig_atomic_t g_signal = 0;
int g_signal_pipe[2] = {-1, -1};
SCREEN* g_screen = nullptr;

constexpr int kQuitSignals[] = {SIGINT, SIGTERM, SIGHUP};
constexpr int kCrashSignals[] = {SIGSEGV, SIGBUS, SIGFPE, SIGILL, SIGABRT};
struct sigaction g_old_quit[3];
struct sigaction g_old_crash[5];

void on_quit_signal(int sig) {
  int saved = errno;
  if (g_signal == 0) g_signal = sig;
  char b = 1;
  if (g_signal_pipe[1] >= 0) [[maybe_unused]]
    auto n = ::write(g_signal_pipe[1], &b, 1);
  errno = saved;
}

// Async-signal-safe: give the terminal back as it was, then die by the signal.
void on_crash_signal(int sig) {
  if (g_have_termios != 0) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
  static const char reset[] = "\033[0m\033[?1049l\033[?25h\r\n";
  [[maybe_unused]] auto n = ::write(STDOUT_FILENO, reset, sizeof reset - 1);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void install_handlers() {
  struct sigaction sa {};
  sa.sa_handler = on_quit_signal;
  ::sigemptyset(&sa.sa_mask);
  for (std::size_t i = 0; i < 3; ++i) ::sigaction(kQuitSignals[i], &sa, &g_old_quit[i]);
  struct sigaction crash {};
  crash.sa_handler = on_crash_signal;
  crash.sa_flags = SA_RESETHAND | SA_NODEFER;
  ::sigemptyset(&crash.sa_mask);
  for (std::size_t i = 0; i < 5; ++i) ::sigaction(kCrashSignals[i], &crash, &g_old_crash[i]);
}

void restore_handlers() {
  for (std::size_t i = 0; i < 3; ++i) ::sigaction(kQuitSignals[i], &g_old_quit[i], nullptr);
  for (std::size_t i = 0; i < 5; ++i) ::sigaction(kCrashSignals[i], &g_old_crash[i], nullptr);
}

// Curses draws "…" and "·" only in a UTF-8 locale: the user's, else C.UTF-8.
void choose_utf8_locale() {
  std::setlocale(LC_CTYPE, "");
  if (std::strcmp(::nl_langinfo(CODESET), "UTF-8") != 0) std::setlocale(LC_CTYPE, "C.UTF-8");
}

enum ColorPair : short { kPairBusy = 1, kPairGood, kPairBad, kPairWarn, kPairIdle };

attr_t attr_of(Paint p) {
  bool color = ::has_colors();
  auto pair = [&](short n) { return color ? static_cast<attr_t>(COLOR_PAIR(n)) : A_NORMAL; };
  switch (p) {
    case Paint::normal: return A_NORMAL;
    case Paint::dim: return A_DIM;
    case Paint::bold: return A_BOLD;
    case Paint::title: return A_BOLD;
    case Paint::warn: return pair(kPairWarn) | A_BOLD;
    case Paint::bad: return pair(kPairBad) | A_BOLD;
    case Paint::good: return pair(kPairGood);
    case Paint::busy: return pair(kPairBusy) | A_BOLD;
    case Paint::idle: return pair(kPairIdle);
  }
  return A_NORMAL;
}

std::string utf8_of(wint_t c) {
  std::string out;
  auto u = static_cast<std::uint32_t>(c);
  if (u < 0x80) {
    out += static_cast<char>(u);
  } else if (u < 0x800) {
    out += static_cast<char>(0xC0 | (u >> 6));
    out += static_cast<char>(0x80 | (u & 0x3F));
  } else if (u < 0x10000) {
    out += static_cast<char>(0xE0 | (u >> 12));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (u & 0x3F));
  } else {
    out += static_cast<char>(0xF0 | (u >> 18));
    out += static_cast<char>(0x80 | ((u >> 12) & 0x3F));
    out += static_cast<char>(0x80 | ((u >> 6) & 0x3F));
    out += static_cast<char>(0x80 | (u & 0x3F));
  }
  return out;
}

}  // namespace

Result<std::unique_ptr<TerminalScreen>> TerminalScreen::open() {
  if (::isatty(STDIN_FILENO) == 0 || ::isatty(STDOUT_FILENO) == 0)
    return make_error(Errc::usage,
                      "the live view needs a terminal on stdin and stdout (in scripts use "
                      "'drover status' or 'drover status --json')");
  choose_utf8_locale();
  if (::tcgetattr(STDIN_FILENO, &g_saved_termios) == 0) g_have_termios = 1;
  if (::pipe2(g_signal_pipe, O_CLOEXEC | O_NONBLOCK) != 0)
    return make_error(Errc::failed, std::string("cannot make a pipe: ") + std::strerror(errno));
  g_signal = 0;
  install_handlers();
  g_screen = ::newterm(nullptr, stdout, stdin);
  if (g_screen == nullptr) {
    restore_handlers();
    ::close(g_signal_pipe[0]);
    ::close(g_signal_pipe[1]);
    g_signal_pipe[0] = g_signal_pipe[1] = -1;
    const char* term = std::getenv("TERM");
    return make_error(Errc::failed, std::string("cannot start the full-screen view on TERM='") +
                                        (term ? term : "") + "' (try TERM=xterm-256color)");
  }
  ::set_term(g_screen);
  ::cbreak();
  ::noecho();
  ::nonl();
  ::keypad(stdscr, TRUE);
  ::nodelay(stdscr, TRUE);
  ::set_escdelay(25);
  ::curs_set(0);
  if (::has_colors()) {
    ::start_color();
    ::use_default_colors();
    ::init_pair(kPairBusy, COLOR_CYAN, -1);
    ::init_pair(kPairGood, COLOR_GREEN, -1);
    ::init_pair(kPairBad, COLOR_RED, -1);
    ::init_pair(kPairWarn, COLOR_YELLOW, -1);
    ::init_pair(kPairIdle, COLOR_BLUE, -1);
  }
  return std::unique_ptr<TerminalScreen>(new TerminalScreen());
}

TerminalScreen::~TerminalScreen() {
  ::endwin();
  if (g_screen != nullptr) ::delscreen(g_screen);
  g_screen = nullptr;
  if (g_have_termios != 0) ::tcsetattr(STDIN_FILENO, TCSANOW, &g_saved_termios);
  restore_handlers();
  for (int& fd : g_signal_pipe) {
    if (fd >= 0) ::close(fd);
    fd = -1;
  }
  std::fflush(stdout);
}

std::size_t TerminalScreen::width() const { return static_cast<std::size_t>(std::max(COLS, 0)); }
std::size_t TerminalScreen::height() const { return static_cast<std::size_t>(std::max(LINES, 0)); }

void TerminalScreen::draw(const std::vector<ScreenLine>& lines) {
  ::erase();
  int rows = LINES, cols = COLS;
  for (int y = 0; y < rows && static_cast<std::size_t>(y) < lines.size(); ++y) {
    const ScreenLine& l = lines[static_cast<std::size_t>(y)];
    attr_t extra = l.selected ? A_REVERSE : A_NORMAL;
    ::move(y, 0);
    std::size_t used = 0;
    for (const auto& s : l.spans) {
      ::attrset(attr_of(s.paint) | extra);
      ::addstr(s.text.c_str());
      used += display_columns(s.text);
    }
    if (l.selected && used < static_cast<std::size_t>(cols)) {
      ::attrset(A_REVERSE);
      ::addstr(std::string(static_cast<std::size_t>(cols) - used, ' ').c_str());
    }
    ::attrset(A_NORMAL);
  }
  ::refresh();
}

TerminalScreen::Wake TerminalScreen::wait(int fd, std::chrono::milliseconds timeout) {
  pollfd fds[3] = {{g_signal_pipe[0], POLLIN, 0}, {STDIN_FILENO, POLLIN, 0}, {fd, POLLIN, 0}};
  int n = ::poll(fds, fd >= 0 ? 3 : 2, static_cast<int>(std::max<long>(timeout.count(), 0)));
  if (g_signal != 0) return Wake::signal;
  // Interrupted: SIGWINCH, which curses turns into a resize key.
  if (n < 0) return Wake::input;
  if (n == 0) return Wake::timeout;
  if (fds[1].revents != 0) return Wake::input;
  if (fd >= 0 && fds[2].revents != 0) return Wake::watched;
  return Wake::timeout;
}

std::optional<KeyPress> TerminalScreen::next_key() {
  for (;;) {
    wint_t c = 0;
    int r = ::get_wch(&c);
    if (r == ERR) return std::nullopt;
    if (r == KEY_CODE_YES) {
      switch (c) {
        case KEY_RESIZE: resized_ = true; continue;
        case KEY_UP: return KeyPress{ViewKey::up, ""};
        case KEY_DOWN: return KeyPress{ViewKey::down, ""};
        case KEY_PPAGE: return KeyPress{ViewKey::page_up, ""};
        case KEY_NPAGE: return KeyPress{ViewKey::page_down, ""};
        case KEY_HOME: return KeyPress{ViewKey::home, ""};
        case KEY_END: return KeyPress{ViewKey::end, ""};
        case KEY_ENTER: return KeyPress{ViewKey::enter, ""};
        case KEY_BACKSPACE: return KeyPress{ViewKey::backspace, ""};
        default: continue;  // function keys the view does not use
      }
    }
    if (c == L'\n' || c == L'\r') return KeyPress{ViewKey::enter, ""};
    if (c == 27) return KeyPress{ViewKey::escape, ""};
    if (c == 127 || c == 8) return KeyPress{ViewKey::backspace, ""};
    if (c < 32) continue;  // other control characters
    return KeyPress{ViewKey::text, utf8_of(c)};
  }
}

bool TerminalScreen::resized() {
  bool r = resized_;
  resized_ = false;
  return r;
}

int TerminalScreen::pending_signal() const { return g_signal; }

std::string capture_stderr(const std::function<void()>& fn) {
  std::fflush(stderr);
  int sink = ::memfd_create("drover-stderr", MFD_CLOEXEC);
  int saved = ::dup(STDERR_FILENO);
  if (sink < 0 || saved < 0) {
    if (sink >= 0) ::close(sink);
    if (saved >= 0) ::close(saved);
    fn();
    return "";
  }
  ::dup2(sink, STDERR_FILENO);
  fn();
  std::fflush(stderr);
  ::dup2(saved, STDERR_FILENO);
  ::close(saved);
  std::string out;
  char buf[4096];
  ::lseek(sink, 0, SEEK_SET);
  for (;;) {
    ssize_t n = ::read(sink, buf, sizeof buf);
    if (n <= 0) break;
    out.append(buf, static_cast<std::size_t>(n));
  }
  ::close(sink);
  return out;
}

}  // namespace drover::os
