#include "cli/usage_words.h"

#include <CLI/CLI.hpp>
#include <sstream>

#include "cli/argv_shield.h"
#include "core/suggest.h"
#include "core/text.h"

namespace drover::cli {

namespace {

std::vector<std::string> subcommand_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::App* sub : app.get_subcommands({}))
    if (!sub->get_name().empty()) out.push_back(sub->get_name());
  return out;
}

// Every long and short option name of `app` and of its parents (the global options).
std::vector<std::string> option_names(const CLI::App& app) {
  std::vector<std::string> out;
  for (const CLI::App* a = &app; a != nullptr; a = a->get_parent())
    for (const CLI::Option* o : a->get_options({})) {
      for (const auto& l : o->get_lnames()) out.push_back("--" + l);
      for (const auto& s : o->get_snames()) out.push_back("-" + s);
    }
  return out;
}

std::string did_you_mean(const std::string& word, const std::vector<std::string>& candidates) {
  auto best = closest_word(word, candidates);
  return best ? " (did you mean '" + *best + "'?)" : "";
}

std::string command_name(const CLI::App& app) {
  std::string path;
  for (const CLI::App* a = &app; a != nullptr && a->get_parent() != nullptr; a = a->get_parent())
    path = a->get_name() + (path.empty() ? "" : " " + path);
  return path.empty() ? "drover" : "drover " + path;
}

// The words CLI11 lists after "not expected: ", in the order they were typed.
std::vector<std::string> unexpected_words(const std::string& message) {
  auto colon = message.find(": ");
  std::vector<std::string> words;
  if (colon == std::string::npos) return words;
  std::istringstream in(message.substr(colon + 2));
  for (std::string w; in >> w;) words.insert(words.begin(), w);  // CLI11 lists them reversed
  return words;
}

}  // namespace

std::optional<std::string> unknown_command(const CLI::App& app,
                                           const std::vector<std::string>& args) {
  const CLI::App* cur = &app;
  for (std::size_t i = 0; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") return std::nullopt;
    if (a == "--project") {
      ++i;  // its value
      continue;
    }
    if (!a.empty() && a[0] == '-') continue;
    auto names = subcommand_names(*cur);
    if (names.empty()) return std::nullopt;  // a command's own words from here on
    const CLI::App* next = nullptr;
    for (const CLI::App* sub : cur->get_subcommands({}))
      if (sub->check_name(a)) next = sub;
    if (next == nullptr) {
      std::string where = cur == &app ? "" : " of '" + command_name(*cur) + "'";
      return "unknown command '" + escape_control(a) + "'" + where + did_you_mean(a, names) +
             " (see '" + command_name(*cur) + " --help')";
    }
    cur = next;
  }
  return std::nullopt;
}

std::string usage_words(const CLI::ParseError& e, const CLI::App& leaf) {
  const std::string see = " (see '" + command_name(leaf) + " --help')";
  std::string message = unshield_message(e.what());
  if (dynamic_cast<const CLI::ExtrasError*>(&e) != nullptr) {
    for (const auto& w : unexpected_words(message)) {
      if (w.size() > 1 && w[0] == '-') {
        std::string name = w.substr(0, w.find('='));
        return "unknown option '" + escape_control(name) + "' for '" + command_name(leaf) + "'" +
               did_you_mean(name, option_names(leaf)) + see;
      }
    }
    auto words = unexpected_words(message);
    if (!words.empty())
      return "unexpected argument '" + escape_control(words.front()) + "' for '" +
             command_name(leaf) + "'" + see;
  }
  if (dynamic_cast<const CLI::ConversionError*>(&e) != nullptr) {
    const std::string prefix = "Could not convert: ";
    auto eq = message.find(" = ");
    if (message.rfind(prefix, 0) == 0 && eq != std::string::npos) {
      std::string name = message.substr(prefix.size(), eq - prefix.size());
      std::string value = message.substr(eq + 3);
      return "'" + escape_control(value) + "' is not a valid " + name +
             ": a whole number is expected" + see;
    }
  }
  return escape_control(message) + see;
}

}  // namespace drover::cli
