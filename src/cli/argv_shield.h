#pragma once
// Keeps every command-line argument byte for byte through CLI11 2.1, which rewrites two
// shapes of text (SPEC §10: what the operator types reaches the agent unchanged):
// - a word in brackets given to a multi-word positional (`sling a '[x]'`, `'[a,b]'`) is
//   taken for a list and split on commas (Option::_add_result);
// - `--opt=` with an empty value takes the next argument as the value instead.
// shield_argument() rewrites such arguments before parsing so that CLI11 passes them on
// untouched, and unshield_value() (installed on every option as a transform) undoes it on
// whatever part of the argument reaches an option: the whole word, or the value after
// `--opt=`. The rewrite is a prefix byte (kShield), so every argument that begins with
// that byte is prefixed too and the two functions are exact inverses.
#include <string>
#include <string_view>
#include <vector>

namespace CLI {
class App;
}

namespace drover::cli {

inline constexpr char kShield = '\x1f';

// The argument as handed to CLI11.
std::string shield_argument(std::string_view arg);
// A value as CLI11 hands it to an option (a word, or what follows `--opt=`): the original.
std::string unshield_value(std::string_view value);
// CLI11's error text with the shield bytes taken out, for the one line a user sees.
std::string unshield_message(std::string_view message);

// Installs unshield_value on every option of `app` and its subcommands; call after the
// last option is added.
void unshield_all_options(CLI::App& app);
// argv[1..] shielded, ready for CLI::App::parse (which wants them last first).
std::vector<std::string> shielded_arguments(int argc, const char* const* argv);

}  // namespace drover::cli
