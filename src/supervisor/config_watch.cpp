#include "supervisor/config_watch.h"

#include <spdlog/spdlog.h>

#include "core/clock.h"
#include "core/duration.h"
#include "core/text.h"
#include "os/files.h"

namespace drover::supervisor {

std::optional<Result<Config>> ConfigWatch::check(bool force, SteadyPoint now_at) {
  auto text = os::read_file(file_);
  if (!text && text.error().code == Errc::resource) return std::nullopt;
  if (!text && text.error().code != Errc::not_found) {
    last_text_.reset();  // parse it again once it can be read
    return Result<Config>(make_error(Errc::project, text.error().message));
  }
  std::string now = text ? *text : std::string();
  if (!force && last_text_ && *last_text_ == now) {
    pending_text_.reset();
    return std::nullopt;
  }
  auto parsed = parse_config(now, file_.string());
  if (!force && last_text_) {
    // A good change applies at once. An error, or an empty file, may be a file caught half
    // written: an error is reported once it has stayed for kSettle; an empty file only when
    // asked (it would drop every runtime the user configured).
    bool empty = text.ok() && now.find_first_not_of(" \t\r\n") == std::string::npos;
    if (empty || !parsed) {
      if (!pending_text_ || *pending_text_ != now) {
        pending_text_ = now;
        pending_since_ = now_at;
        return std::nullopt;
      }
      if (empty || now_at - pending_since_ < kSettle) return std::nullopt;
    }
  }
  pending_text_.reset();
  last_text_ = now;
  return parsed;
}

FollowedConfig follow_config(ConfigWatch& watch, Conditions& conditions, spdlog::logger& log,
                             bool force, const char* why, SteadyPoint now) {
  FollowedConfig out;
  auto loaded = watch.check(force, now);
  if (!loaded) return out;
  ++conditions.config_generation;
  out.changed = true;
  if (!*loaded) {
    const std::string& msg = loaded->error().message;
    if (!conditions.config_error || conditions.config_error->message != msg) {
      log.error("{}; keeping the last good config until the file is fixed", escape_control(msg));
      conditions.config_error = ConfigError{now_timestamp(), msg};
    }
    return out;
  }
  bool first = !conditions.config_loaded_at;
  conditions.config_loaded_at = now_timestamp();
  if (conditions.config_error) log.info("{} is valid again", watch.file().string());
  conditions.config_error.reset();
  const Config& c = loaded->value();
  if (!first)
    log.info("config reloaded ({}): max_concurrent_turns {}, poll {}, stall {}, {} runtime(s)",
             why ? why : "the file changed", c.supervisor.max_concurrent_turns,
             format_duration(c.supervisor.poll_interval), format_duration(c.turn.stall_timeout),
             c.runtimes.size());
  out.config = std::move(loaded->value());
  return out;
}

}  // namespace drover::supervisor
