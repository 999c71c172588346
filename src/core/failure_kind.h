#pragma once
// Why a turn failed, in the runtime's own words, and whether another attempt could help
// (issue 16 item 7). Pure: the facts the runner observed in, a verdict out.
#include <optional>
#include <string>

namespace drover {

// What the runner saw of a failed turn (a subset of core/settle.h's TurnObservation,
// kept separate so the judgement reads on its own).
struct FailureFacts {
  bool has_result = false;
  bool result_is_error = false;
  std::string result_text;       // the result's `result` text, or its `errors` joined
  std::string api_error;         // the assistant line's "error" code ("authentication_failed")
  std::string last_stderr_line;  // the last non-blank line of the turn's stderr
  std::optional<int> exit_code;  // normal exit
  std::optional<int> signal;     // killed by a signal
  std::string spawn_error;       // the command could not be started at all: why
};

enum class FailureKind {
  retryable,  // another attempt may succeed (a crash, a network error, a model error)
  permanent,  // the same attempt fails again until a person acts (login, root, missing binary)
};

struct FailureVerdict {
  FailureKind kind = FailureKind::retryable;
  // The runtime's own words, one line, at most kMaxFailureWords characters: the result's
  // error text, else the last stderr line, else how the process ended ("exit status 3").
  std::string words;
  std::string hint;  // permanent only: what a person does about it
};

inline constexpr std::size_t kMaxFailureWords = 200;

// Judges a failed turn (or a start that failed: `spawn_error`). Permanent: not logged in /
// invalid API key / authentication_failed, Claude Code's refusal of bypassPermissions as
// root, a command that does not exist (os::spawn's "cannot run 'x': No such file or
// directory" or "Permission denied", or exit 127/126 with no result). Everything else is
// retryable.
FailureVerdict classify_failure(const FailureFacts& facts);

// "Not logged in · Please run /login — run `claude` once to log in, …": the words with the
// hint after a dash, as state_reason and worker_died carry them.
std::string failure_reason(const FailureVerdict& v);

// The line Claude Code prints on stderr when it is run as root with bypassPermissions.
inline constexpr const char* kRootRefusal =
    "--dangerously-skip-permissions cannot be used with root/sudo privileges";

}  // namespace drover
