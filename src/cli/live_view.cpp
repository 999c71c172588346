#include "cli/live_view.h"

#include <csignal>

#include "cli/nudge.h"
#include "cli/pause.h"
#include "cli/swarm_read.h"
#include "cli/timeline.h"
#include "cli/wake.h"
#include "core/text.h"
#include "os/terminal_screen.h"
#include "runner/stop_agent.h"
#include "store/commit_watch.h"
#include "store/events.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::cli {

namespace {

using LiveSteadyTime = std::chrono::steady_clock::time_point;

// A burst of commits (a turn streaming events) is one redraw per this much.
constexpr Millis kCoalesce{50};
// How much of an agent's timeline the log view holds.
constexpr int kLogFirstRead = 2000;
constexpr std::size_t kLogKeep = 5000;

// The selected agent's timeline, read as it grows (like `log --follow`).
struct LiveLog {
  std::string agent;
  std::int64_t after = 0;
  std::vector<std::string> lines;
  std::unique_ptr<Timeline> timeline;
};

void add_log_lines(LiveLog& log, const std::vector<store::EventRecord>& events) {
  for (const auto& e : events) {
    log.after = e.id;
    std::string text = log.timeline->line(e);
    std::size_t start = 0;
    for (;;) {
      auto nl = text.find('\n', start);
      log.lines.push_back(text.substr(start, nl == std::string::npos ? nl : nl - start));
      if (nl == std::string::npos) break;
      start = nl + 1;
    }
  }
  if (log.lines.size() > kLogKeep)
    log.lines.erase(log.lines.begin(), log.lines.end() - static_cast<std::ptrdiff_t>(kLogKeep));
}

Status read_live_log(LiveLog& log, store::Store& st) {
  bool first = log.after == 0;
  auto events = st.read<std::vector<store::EventRecord>>(
      [&](store::Tx& tx) -> Result<std::vector<store::EventRecord>> {
        if (first) return tx.events().latest_for_agent(log.agent, kLogFirstRead);
        return tx.events().for_agent(log.agent, std::nullopt, log.after, 0);
      });
  if (!events) return events.error();
  add_log_lines(log, *events);
  return ok_status();
}

std::string live_notice_line(const std::string& s) { return one_line_summary(s, 200); }

class LiveView {
 public:
  LiveView(Context& ctx, const ProjectPaths& p, const Config& cfg, store::Store& st,
           os::TerminalScreen& screen)
      : ctx_(ctx), p_(p), cfg_(cfg), st_(st), screen_(screen) {}

  // Returns the signal that ended the view, 0 for `q`.
  int run(Millis interval) {
    auto changes = store::watch_commits(st_);
    bool need_read = true, need_draw = true;
    LiveSteadyTime last_read{}, now = std::chrono::steady_clock::now();
    for (;;) {
      now = std::chrono::steady_clock::now();
      bool due = now - last_read >= interval;
      if ((need_read && now - last_read >= kCoalesce) || due) {
        refresh();
        last_read = now;
        need_read = false;
        need_draw = true;
      }
      if (need_draw) {
        draw();
        need_draw = false;
      }
      auto next_read = last_read + (need_read ? kCoalesce : interval);
      auto wait = std::chrono::duration_cast<Millis>(next_read - now);
      switch (screen_.wait(changes->fd(), std::max(wait, Millis(0)))) {
        case os::TerminalScreen::Wake::signal: return screen_.pending_signal();
        case os::TerminalScreen::Wake::watched:
          changes->drain();
          need_read = true;
          break;
        case os::TerminalScreen::Wake::input:
          while (auto k = screen_.next_key()) {
            if (!handle(press_key(v_, *k))) return 0;
          }
          if (screen_.resized() && v_.mode == ViewMode::log) open_log(log_.agent);
          need_draw = true;
          need_read = true;  // e.g. back from the log: the list may be older than a change
          break;
        case os::TerminalScreen::Wake::timeout: break;
      }
    }
  }

 private:
  void refresh() {
    if (v_.mode == ViewMode::log) {
      if (auto s = read_live_log(log_, st_); !s)
        v_.notice = "cannot read the log: " + s.error().message;
      return;
    }
    auto snap = read_swarm(st_, p_, cfg_, SystemClock::instance().now());
    if (snap) snap_ = std::move(*snap);
    else v_.notice = "cannot read the database: " + live_notice_line(snap.error().message);
  }

  void draw() {
    if (v_.mode == ViewMode::log)
      screen_.draw(layout_log(log_.agent, log_.lines, v_, screen_.width(), screen_.height()));
    else screen_.draw(layout_swarm(snap_, v_, screen_.width(), screen_.height()));
  }

  void open_log(const std::string& agent) {
    log_ = LiveLog{};
    log_.agent = agent;
    Output plain;  // no colour: curses paints, escape sequences would show as text
    plain.color = false;
    log_.timeline = std::make_unique<Timeline>(plain, st_, p_);
    refresh();
  }

  // Carries out the action; false to quit.
  bool handle(const ViewAction& a) {
    switch (a.kind) {
      case ViewAction::Kind::none: break;
      case ViewAction::Kind::quit: return false;
      case ViewAction::Kind::open_log: open_log(a.agent); break;
      case ViewAction::Kind::nudge: nudge(a.agent, a.text); break;
      case ViewAction::Kind::stop: stop(a.agent); break;
      case ViewAction::Kind::pause: toggle_pause(a.agent); break;
    }
    if (v_.mode != ViewMode::log && log_.timeline) log_ = LiveLog{};
    return true;
  }

  void nudge(const std::string& agent, const std::string& text) {
    auto config = ctx_.config_or_defaults();
    auto q = config ? queue_nudge(st_, *config, agent, Context::self_name(),
                                  text.empty() ? kDefaultNudgeText : text)
                    : Result<QueuedNudge>(config.error());
    if (!q) {
      v_.notice = "not nudged: " + live_notice_line(q.error().message);
      return;
    }
    std::string said = os::capture_stderr([&] { notify_supervisor(ctx_, true); });
    v_.notice = "nudged " + agent + " (#" + std::to_string(q->message_id) + ")";
    if (!said.empty()) v_.notice += ": " + live_notice_line(said);
  }

  // p: pauses the agent, or unpauses it when it is paused, as `drover pause`/`unpause` do.
  void toggle_pause(const std::string& agent) {
    auto s = st_.read<std::optional<Session>>(
        [&](store::Tx& tx) -> Result<std::optional<Session>> { return tx.sessions().get(agent); });
    bool paused = s && *s && (*s)->paused_at;
    auto r = paused ? unpause_agent(st_, agent) : pause_agent(st_, agent, "");
    if (!r) {
      v_.notice = std::string(paused ? "not unpaused: " : "not paused: ") +
                  live_notice_line(r.error().message);
      return;
    }
    if (paused) {
      std::string said = os::capture_stderr([&] { notify_supervisor(ctx_, false); });
      v_.notice = "unpaused " + agent;
      if (!said.empty()) v_.notice += ": " + live_notice_line(said);
    } else {
      v_.notice = "paused " + agent + ": no new turn starts ('p' again unpauses)";
    }
  }

  void stop(const std::string& agent) {
    v_.notice = "stopping " + agent + "…";
    draw();
    Result<runner::StopReport> r = make_error(Errc::failed, "");
    std::string said = os::capture_stderr(
        [&] { r = runner::stop_agent(p_, cfg_, st_, agent, cfg_.turn.kill_grace); });
    if (!r) {
      v_.notice = "not stopped: " + live_notice_line(r.error().message);
      return;
    }
    v_.notice = "stopped " + agent + (r->signalled ? " (its turn was killed)" : "");
    if (!said.empty()) v_.notice += ": " + live_notice_line(said);
  }

  Context& ctx_;
  const ProjectPaths& p_;
  const Config& cfg_;
  store::Store& st_;
  os::TerminalScreen& screen_;
  ViewState v_;
  SwarmSnapshot snap_;
  LiveLog log_;
};

}  // namespace

Result<Millis> parse_watch_interval(const std::string& text) {
  if (text.empty()) return Millis(1000);
  Millis d{};
  if (text.find_first_not_of("0123456789") == std::string::npos && text.size() <= 6) {
    d = Millis(std::stoll(text) * 1000);
  } else {
    auto parsed = parse_duration(text);
    if (!parsed)
      return make_error(Errc::usage, "--watch: '" + escape_control(text) +
                                         "' is not an interval (use e.g. 2, 2s or 500ms)");
    d = *parsed;
  }
  if (d < Millis(100))
    return make_error(Errc::usage, "--watch: the interval must be at least 100ms (got '" +
                                       escape_control(text) + "')");
  return d;
}

Status run_live_view(Context& ctx, Millis interval) {
  if (ctx.out.json)
    return make_error(Errc::usage,
                      "--json does not go with the live view (use 'drover status --json')");
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config_or_defaults();
  if (!cfg) return cfg.error();
  auto st = ctx.store();
  if (!st) return st.error();
  int sig = 0;
  {
    auto screen = os::TerminalScreen::open();
    if (!screen) return screen.error();
    LiveView view(ctx, *p, *cfg, **st, **screen);
    sig = view.run(interval);
  }  // the terminal is given back here
  if (sig != 0) {
    // Die by the signal, as the shell expects of a program interrupted (exit 128 + sig).
    std::signal(sig, SIG_DFL);
    std::raise(sig);
  }
  return ok_status();
}

}  // namespace drover::cli
