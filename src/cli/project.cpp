#include "cli/project.h"

#include <cstdlib>

namespace drover::cli {

namespace fs = std::filesystem;

Result<ProjectPaths> find_project(const std::optional<std::string>& project_flag) {
  std::error_code ec;
  std::optional<std::string> given = project_flag;
  std::string source = "--project";
  if (!given) {
    if (const char* env = std::getenv("DROVER_PROJECT"); env && *env) {
      given = env;
      source = "DROVER_PROJECT";
    }
  }
  if (given) {
    fs::path root = fs::absolute(*given, ec);
    if (!fs::is_directory(root / ".drover", ec))
      return make_error(Errc::project, "not a drover project: " + source + " names " + *given +
                                           ", which has no .drover/ (run 'drover init' there)");
    return ProjectPaths{fs::weakly_canonical(root, ec)};
  }
  fs::path dir = fs::current_path(ec);
  if (ec)
    return make_error(Errc::project, "not a drover project: cannot read the current directory");
  for (fs::path p = dir;; p = p.parent_path()) {
    if (fs::is_directory(p / ".drover", ec)) return ProjectPaths{p};
    if (p == p.root_path() || p.empty()) break;
  }
  return make_error(Errc::project, "not a drover project (run 'drover init')");
}

}  // namespace drover::cli
