#include "cli/argv_shield.h"

#include <CLI/CLI.hpp>
#include <algorithm>

namespace drover::cli {

namespace {

bool bracketed(std::string_view s) { return s.size() >= 2 && s.front() == '[' && s.back() == ']'; }

// `--name=value`: where the value starts, or npos. Broader than CLI11's own test on
// purpose: shielding a word CLI11 would not split costs nothing, missing one would.
std::size_t long_option_value(std::string_view s) {
  if (s.size() < 3 || s.substr(0, 2) != "--") return std::string_view::npos;
  auto eq = s.find('=', 2);
  return eq == std::string_view::npos ? eq : eq + 1;
}

// A word CLI11 could rewrite, or one unshield_value would change: it begins with the
// shield byte, or is `--name=value` whose value needs the shield.
bool needs_shield(std::string_view s) {
  if (s.empty() || s.front() == kShield || bracketed(s)) return true;
  auto v = long_option_value(s);
  return v != std::string_view::npos && needs_shield(s.substr(v));
}

}  // namespace

std::string shield_argument(std::string_view arg) {
  if (!needs_shield(arg)) return std::string(arg);
  // Shield the value of `--name=value`, so that CLI11 still sees the option.
  auto v = long_option_value(arg);
  if (v != std::string_view::npos)
    return std::string(arg.substr(0, v)) + kShield + std::string(arg.substr(v));
  return kShield + std::string(arg);
}

std::string unshield_value(std::string_view value) {
  if (!value.empty() && value.front() == kShield) return std::string(value.substr(1));
  // A shielded `--name=value` that reached a positional whole (it came after `--`).
  auto v = long_option_value(value);
  if (v != std::string_view::npos && v < value.size() && value[v] == kShield)
    return std::string(value.substr(0, v)) + std::string(value.substr(v + 1));
  return std::string(value);
}

std::string unshield_message(std::string_view message) {
  std::string out(message);
  out.erase(std::remove(out.begin(), out.end(), kShield), out.end());
  return out;
}

void unshield_all_options(CLI::App& app) {
  for (CLI::Option* opt : app.get_options())
    opt->transform([](std::string v) { return unshield_value(v); });
  for (CLI::App* sub : app.get_subcommands({})) unshield_all_options(*sub);
}

std::vector<std::string> shielded_arguments(int argc, const char* const* argv) {
  std::vector<std::string> args;
  for (int i = argc - 1; i >= 1; --i) args.push_back(shield_argument(argv[i]));
  return args;
}

}  // namespace drover::cli
