#include "cli/context.h"

#include <cstdlib>

#include "cli/turn_fence.h"
#include "core/host_id.h"
#include "os/files.h"
#include "os/host.h"
#include "store/target.h"

namespace drover::cli {

Result<ProjectPaths> Context::project() {
  if (!project_) {
    auto p = find_project(opts.project);
    if (!p) return p.error();
    project_ = *p;
  }
  return *project_;
}

Result<Config> Context::config() {
  if (!config_) {
    auto p = project();
    if (!p) return p.error();
    auto text = os::read_file(p->config());
    if (!text) {
      if (text.error().code == Errc::not_found) {
        config_ = Config{};  // a missing file means every default
        return *config_;
      }
      return make_error(Errc::project, text.error().message);
    }
    auto c = parse_config(*text, p->config().string());
    if (!c) return c.error();
    config_ = std::move(*c);
  }
  return *config_;
}

Result<Config> Context::config_or_defaults() {
  auto c = config();
  if (c || c.error().code != Errc::project) return c;
  if (!project()) return c;  // not a project at all: nothing to fall back on
  if (!warned_config_ && !opts.quiet)
    out.warn("drover: warning: " + c.error().message + "; using the defaults for this command");
  warned_config_ = true;
  return Config{};
}

namespace {
// Whether a line of the text starts with the key `store` (bare or quoted) and an '='.
bool mentions_store_key(std::string_view text) {
  for (std::size_t at = 0; at < text.size();) {
    auto end = text.find('\n', at);
    if (end == std::string_view::npos) end = text.size();
    auto line = text.substr(at, end - at);
    at = end + 1;
    line.remove_prefix(std::min(line.find_first_not_of(" \t"), line.size()));
    for (std::string_view key : {"store", "\"store\"", "'store'"}) {
      if (!line.starts_with(key)) continue;
      auto rest = line.substr(key.size());
      rest.remove_prefix(std::min(rest.find_first_not_of(" \t"), rest.size()));
      if (rest.starts_with("=")) return true;
    }
  }
  return false;
}
}  // namespace

// config.toml's `store`. Most commands never parse the config, and parsing it costs more
// than a short command's query: a file without the word is not parsed for it. A file that
// does not parse leaves the default store; the commands that need the config report it.
std::optional<std::string> Context::configured_store(const ProjectPaths& p) {
  if (!config_) {
    const char* env = std::getenv("DROVER_STORE");  // set and not empty: it wins anyway
    if (env != nullptr && *env != '\0') return std::nullopt;
    auto text = os::read_file(p.config());
    if (!text || !mentions_store_key(*text)) return std::nullopt;
  }
  auto c = config();
  return c ? c->store : std::nullopt;
}

Result<store::Store*> Context::store() {
  if (!store_) {
    auto p = project();
    if (!p) return p.error();
    auto target = store::store_target(p->db(), configured_store(*p));
    auto s = store::Store::open(target, store::OpenMode::existing);
    if (!s) return s.error();
    store_ = std::move(*s);
    if (fence_agent_turn_) fence_agent_turn(*store_);
  }
  return store_.get();
}

std::string Context::self_name() {
  const char* a = std::getenv("DROVER_AGENT");
  return a && *a ? a : "operator";
}

Result<std::string> Context::host_id() const {
  const char* env = std::getenv("DROVER_HOST");
  return resolve_host_id(host_flag, env ? std::optional<std::string>(env) : std::nullopt,
                         os::host_name());
}

}  // namespace drover::cli
