#include "cli/context.h"

#include <cstdlib>

#include "os/files.h"
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

Result<store::Store*> Context::store() {
  if (!store_) {
    auto p = project();
    if (!p) return p.error();
    // A config.toml that does not parse leaves the default store; the commands that need
    // the config report its error.
    auto c = config();
    auto target = store::store_target(p->db(), c ? c->store : std::nullopt);
    auto s = store::Store::open(target, store::OpenMode::existing);
    if (!s) return s.error();
    store_ = std::move(*s);
  }
  return store_.get();
}

std::string Context::self_name() {
  const char* a = std::getenv("DROVER_AGENT");
  return a && *a ? a : "operator";
}

}  // namespace drover::cli
