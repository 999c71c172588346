#include "core/failure_kind.h"

#include <string.h>

#include <algorithm>
#include <array>
#include <cctype>
#include <string_view>

#include "core/text.h"

namespace drover {

namespace {

std::string fk_lower(std::string_view s) {
  std::string out(s);
  std::transform(out.begin(), out.end(), out.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return out;
}

// The first line with something on it, cut to kMaxFailureWords characters.
std::string fk_first_line(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
    if (line.find_first_not_of(" \t\r") != std::string_view::npos) {
      auto b = line.find_first_not_of(" \t\r");
      auto e = line.find_last_not_of(" \t\r");
      std::string words = one_line_summary(line.substr(b, e - b + 1), kMaxFailureWords);
      // More lines follow: say the words go on (once).
      bool more = nl != std::string_view::npos &&
                  text.find_first_not_of(" \t\r\n", nl) != std::string_view::npos;
      bool cut = words.size() >= 3 && words.compare(words.size() - 3, 3, "…") == 0;
      if (more && !cut) words += "…";
      return words;
    }
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return "";
}

std::string fk_exit_words(const FailureFacts& f) {
  if (f.signal) {
    const char* name = sigabbrev_np(*f.signal);
    return "killed by " +
           (name ? "SIG" + std::string(name) : "signal " + std::to_string(*f.signal));
  }
  if (f.exit_code) return "exit status " + std::to_string(*f.exit_code);
  return "unknown exit";
}

bool fk_has_any(const std::string& haystack, std::initializer_list<std::string_view> needles) {
  return std::any_of(needles.begin(), needles.end(),
                     [&](std::string_view n) { return haystack.find(n) != std::string::npos; });
}

constexpr const char* kLoginHint =
    "run `claude` once and log in with /login (or set ANTHROPIC_API_KEY), then "
    "'drover resume' the agent";
constexpr const char* kRootHint =
    "run drover as a normal user, or drop '--permission-mode bypassPermissions' from the "
    "runtime's command in .drover/config.toml; then 'drover resume' the agent";
constexpr const char* kMissingHint =
    "install it, or fix the runtime's command in .drover/config.toml; then 'drover resume' "
    "the agent";

}  // namespace

FailureVerdict classify_failure(const FailureFacts& f) {
  FailureVerdict v;
  bool result_ok = f.has_result && !f.result_is_error;
  std::string result_words = f.has_result && f.result_is_error ? fk_first_line(f.result_text) : "";
  std::string stderr_words = fk_first_line(f.last_stderr_line);
  if (!f.spawn_error.empty()) v.words = fk_first_line(f.spawn_error);
  else if (!result_words.empty()) v.words = result_words;
  else if (!stderr_words.empty()) v.words = stderr_words;
  else if (result_ok) v.words = fk_exit_words(f) + " after its result";
  else if (f.has_result) v.words = "error result (" + fk_exit_words(f) + ")";
  else v.words = "no result (" + fk_exit_words(f) + ")";

  // Everything the runtime said, lower-cased, for the patterns below.
  // (A clean result's text is the agent's answer, not the runtime's complaint.)
  std::string error_text = f.has_result && f.result_is_error ? f.result_text : "";
  std::string said =
      fk_lower(error_text + "\n" + f.last_stderr_line + "\n" + f.api_error + "\n" + f.spawn_error);
  if (f.api_error == "authentication_failed" ||
      fk_has_any(said,
                 {"not logged in", "please run /login", "invalid api key", "authentication_failed",
                  "oauth token has expired", "oauth token has been revoked"})) {
    v.kind = FailureKind::permanent;
    v.hint = kLoginHint;
    return v;
  }
  if (fk_has_any(said, {"cannot be used with root/sudo privileges"})) {
    v.kind = FailureKind::permanent;
    v.hint = kRootHint;
    return v;
  }
  bool missing_exit = !f.has_result && f.exit_code && (*f.exit_code == 127 || *f.exit_code == 126);
  // os::spawn's words for a command that is not there or not executable ("cannot run 'x':
  // No such file or directory"); not a missing working directory ("cannot run 'x' in …").
  std::string spawn = fk_lower(f.spawn_error);
  bool missing_spawn = spawn.rfind("cannot run '", 0) == 0 &&
                       spawn.find("' in '") == std::string::npos &&
                       fk_has_any(spawn, {"': no such file", "': permission denied"});
  if (missing_exit || missing_spawn) {
    v.kind = FailureKind::permanent;
    v.hint = kMissingHint;
    return v;
  }
  return v;
}

std::string failure_reason(const FailureVerdict& v) {
  if (v.hint.empty()) return v.words;
  return v.words + " — " + v.hint;
}

}  // namespace drover
