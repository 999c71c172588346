#include "supervisor/config_watch.h"

#include "os/files.h"

namespace drover::supervisor {

std::optional<Result<Config>> ConfigWatch::check(bool force) {
  auto text = os::read_file(file_);
  if (!text && text.error().code == Errc::resource) return std::nullopt;
  if (!text && text.error().code != Errc::not_found) {
    last_text_.reset();  // parse it again once it can be read
    return Result<Config>(make_error(Errc::project, text.error().message));
  }
  std::string now = text ? *text : std::string();
  if (!force && last_text_ && *last_text_ == now) return std::nullopt;
  last_text_ = now;
  return parse_config(now, file_.string());
}

}  // namespace drover::supervisor
