#include "supervisor/config_watch.h"

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

}  // namespace drover::supervisor
