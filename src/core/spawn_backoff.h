#pragma once
// How the supervisor waits out a passing shortage of processes, file descriptors or memory
// (an Errc::resource start, docs/reliability.md "Transient faults"). Pure: time comes in.
//
// A shortage begins an episode: the turn limit drops to max(1, turns running) and no start
// is tried before a deadline that doubles with each shortage in a row (0.5 s up to 30 s).
// Each successful start resets the delay and raises the limit by one. The episode ends when
// a start brings the turns running to the configured maximum, or when a round of starts left
// nobody waiting (the limit then no longer holds anyone back). So a capacity just below the
// maximum keeps one episode open (one log line, one `status` condition) instead of ending
// and beginning one at every start.
#include <optional>
#include <string>

#include "core/clock.h"
#include "core/duration.h"

namespace drover {

class SpawnBackoff {
 public:
  static constexpr Millis kFirstDelay{500};
  static constexpr Millis kMaxDelay{30'000};

  explicit SpawnBackoff(int max_turns) : max_(max_turns), limit_(max_turns) {}

  // The configured maximum changed (config reload); a lowered limit never exceeds it.
  void set_max(int max_turns);

  // How many turns may run now: the configured maximum, or less during an episode.
  int limit() const { return limit_; }
  // Whether a start may be tried at `now`.
  bool may_start(SteadyPoint now) const { return !retry_at_ || now >= *retry_at_; }
  // When starts may be tried again, while they are held back.
  std::optional<SteadyPoint> retry_at() const { return retry_at_; }

  // A start hit a shortage while `running` turns ran. True when this begins an episode.
  bool on_shortage(SteadyPoint now, int running, std::string cause);
  // A start succeeded; `running` turns run now, this one included. True when this ends the
  // episode.
  bool on_started(int running);
  // A round of starts is over with `waiting` agents still held back by the limit (none
  // deferred in it). True when this ends the episode.
  bool on_round(SteadyPoint now, int waiting);

  struct Episode {
    std::string cause;  // the first shortage's message
    int shortages = 0;  // starts deferred in this episode
    int started = 0;    // starts that succeeded in it
  };
  // The current episode; nullopt when starts run at the configured limit.
  const std::optional<Episode>& episode() const { return episode_; }
  // The episode that just ended (for its log line), until the next one begins.
  const std::optional<Episode>& last_episode() const { return last_; }

 private:
  bool end_episode();

  int max_;
  int limit_;
  Millis delay_{0};  // the next shortage's wait; 0 = the first delay
  std::optional<SteadyPoint> retry_at_;
  std::optional<Episode> episode_, last_;
};

}  // namespace drover
