#pragma once
// Usage errors in drover's words (issue 16 item 8): CLI11's messages ("The following
// arguments were not expected: x bob slng", "Could not convert: id = abc") become one line
// saying what was wrong, with a suggestion when a word looks like a typo.
#include <optional>
#include <string>
#include <vector>

namespace CLI {
class App;
class ParseError;
}  // namespace CLI

namespace drover::cli {

// Before parsing: the first word that should name a command (or a subcommand of a command
// that has them) and names none: "unknown command 'slng' (did you mean 'sling'?)".
std::optional<std::string> unknown_command(const CLI::App& app,
                                           const std::vector<std::string>& args);

// After a parse error: the message for `e`, `leaf` being the deepest command parsed.
std::string usage_words(const CLI::ParseError& e, const CLI::App& leaf);

}  // namespace drover::cli
