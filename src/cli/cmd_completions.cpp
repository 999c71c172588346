// drover completions bash|zsh|fish: completion scripts generated from the command table,
// so they never drift from the real commands and flags. The scripts complete agent names
// and mail ids from the project through `drover completions --list agents|mail`.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/registry.h"
#include "store/mail.h"
#include "store/sessions.h"

namespace drover::cli {

namespace {

struct Word {
  std::string command;             // "" for top level, "mail" for mail's subcommands
  std::vector<std::string> words;  // subcommand names and long flags
};

std::vector<Word> collect(const CLI::App& app) {
  std::vector<Word> out;
  Word top;
  for (const CLI::App* sub : app.get_subcommands({})) {
    top.words.push_back(sub->get_name());
    Word w{sub->get_name(), {}};
    for (const CLI::App* s2 : sub->get_subcommands({})) w.words.push_back(s2->get_name());
    for (const CLI::Option* opt : sub->get_options())
      for (const auto& l : opt->get_lnames()) w.words.push_back("--" + l);
    out.push_back(w);
  }
  for (const CLI::Option* opt : app.get_options())
    for (const auto& l : opt->get_lnames()) top.words.push_back("--" + l);
  out.insert(out.begin(), top);
  return out;
}

// Commands whose first word is an agent name, and flags whose value is one.
const char* const kAgentCommands = "log status nudge stop resume report turn pause unpause budget";
const char* const kAgentFlags = "--to --from --parent --agent";
// How many of the newest messages `--list mail` offers.
constexpr int kMailIds = 50;

std::string join(const std::vector<std::string>& v) {
  std::string s;
  for (const auto& w : v) s += (s.empty() ? "" : " ") + w;
  return s;
}

std::string bash_script(const std::vector<Word>& words) {
  std::string s =
      "# bash completion for drover; load with: source <(drover completions bash)\n"
      "_drover() {\n  local cur=${COMP_WORDS[COMP_CWORD]} cmd=\"\" i\n"
      "  for ((i=1; i<COMP_CWORD; i++)); do\n"
      "    case ${COMP_WORDS[i]} in -*) ;; *) cmd=${COMP_WORDS[i]}; break;; esac\n"
      "  done\n  local prev=${COMP_WORDS[COMP_CWORD-1]} words\n"
      "  case \" " +
      std::string(kAgentFlags) +
      " \" in *\" $prev \"*)\n"
      "    COMPREPLY=($(compgen -W \"$(drover completions --list agents 2>/dev/null)\" -- "
      "\"$cur\")); return;; esac\n"
      "  case $cmd in\n";
  for (const auto& w : words)
    s += "    " + (w.command.empty() ? std::string("\"\"") : w.command) + ") words=\"" +
         join(w.words) + "\";;\n";
  s += "  esac\n  if [[ $cur != -* ]]; then\n    case \" " + std::string(kAgentCommands) +
       " \" in *\" $cmd \"*) words=\"$words $(drover completions --list agents "
       "2>/dev/null)\";; esac\n"
       "    [[ $cmd == mail ]] && words=\"$words $(drover completions --list mail 2>/dev/null)\"\n"
       "  fi\n  COMPREPLY=($(compgen -W \"$words\" -- \"$cur\"))\n}\ncomplete -F _drover "
       "drover\n";
  return s;
}

// "a b c" → "a|b|c" (a zsh case pattern).
std::string alternatives(const char* words) {
  std::string s = words;
  for (char& c : s)
    if (c == ' ') c = '|';
  return s;
}

std::string zsh_script(const std::vector<Word>& words) {
  std::string s =
      "#compdef drover\n# zsh completion for drover; load with: source <(drover completions zsh)\n"
      "_drover() {\n  local cmd=${words[2]}\n  if (( CURRENT == 2 )); then\n    compadd -- " +
      join(words.front().words) + "\n    return\n  fi\n" + "  case ${words[CURRENT-1]} in " +
      alternatives(kAgentFlags) +
      ") compadd -- $(drover completions --list agents 2>/dev/null); return;; esac\n"
      "  case $cmd in " +
      alternatives(kAgentCommands) +
      ") compadd -- $(drover completions --list agents 2>/dev/null);;\n"
      "    mail) compadd -- $(drover completions --list mail 2>/dev/null);;\n  esac\n"
      "  case $cmd in\n";
  for (std::size_t i = 1; i < words.size(); ++i)
    s += "    " + words[i].command + ") compadd -- " + join(words[i].words) + ";;\n";
  s += "  esac\n}\ncompdef _drover drover\n";
  return s;
}

std::string fish_script(const std::vector<Word>& words) {
  std::string s =
      "# fish completion for drover; load with: drover completions fish | source\n"
      "complete -c drover -f\n";
  for (const auto& w : words.front().words)  // global flags, valid anywhere
    if (w.rfind("--", 0) == 0) s += "complete -c drover -l " + w.substr(2) + "\n";
  for (std::size_t i = 1; i < words.size(); ++i)
    s += "complete -c drover -n '__fish_use_subcommand' -a " + words[i].command + "\n";
  for (std::size_t i = 1; i < words.size(); ++i)
    for (const auto& w : words[i].words) {
      if (w.rfind("--", 0) == 0)
        s += "complete -c drover -n '__fish_seen_subcommand_from " + words[i].command + "' -l " +
             w.substr(2) + "\n";
      else
        s += "complete -c drover -n '__fish_seen_subcommand_from " + words[i].command + "' -a " +
             w + "\n";
    }
  s += "complete -c drover -n '__fish_seen_subcommand_from " + std::string(kAgentCommands) +
       "' -a '(drover completions --list agents 2>/dev/null)'\n";
  s += "complete -c drover -n '__fish_seen_subcommand_from mail' -a '(drover completions "
       "--list mail 2>/dev/null)'\n";
  return s;
}

// The project's agent names, or the ids of its newest messages, one per line.
Status list_words(Context& ctx, const std::string& what) {
  if (what != "agents" && what != "mail")
    return make_error(Errc::usage, "--list takes 'agents' or 'mail', not '" + what + "'");
  auto st = ctx.store();
  if (!st) return st.error();
  auto words =
      (*st)->read<std::vector<std::string>>([&](store::Tx& tx) -> Result<std::vector<std::string>> {
        std::vector<std::string> out;
        if (what == "agents") {
          for (const auto& s : tx.sessions().list()) out.push_back(s.name);
        } else {
          store::MailFilter f;
          f.limit = kMailIds;
          for (const auto& m : tx.mail().list(f)) out.push_back(std::to_string(m.id));
        }
        return out;
      });
  if (!words) return words.error();
  ctx.out.document({{what, *words}});
  std::string text;
  for (const auto& w : *words) text += w + "\n";
  if (!text.empty()) ctx.out.data(text.substr(0, text.size() - 1));
  return ok_status();
}

Status run_completions(Context& ctx, const CLI::App& app, const std::string& shell) {
  auto words = collect(app);
  std::string script;
  if (shell == "bash") script = bash_script(words);
  else if (shell == "zsh") script = zsh_script(words);
  else if (shell == "fish") script = fish_script(words);
  else return make_error(Errc::usage, "unknown shell '" + shell + "' (use bash, zsh or fish)");
  ctx.out.document({{"shell", shell}, {"script", script}});
  ctx.out.data(script);
  return ok_status();
}

}  // namespace

void install_completions(CLI::App* cmd, Context& ctx) {
  auto shell = std::make_shared<std::string>();
  auto list = std::make_shared<std::string>();
  cmd->add_option("shell", *shell, "bash, zsh or fish");
  cmd->add_option("--list", *list, "print the project's agent names or mail ids (agents|mail)");
  const CLI::App* app = cmd->get_parent();  // the top level: the script covers every command
  on_run(cmd, ctx, [&ctx, app, shell, list]() -> Status {
    if (!list->empty()) return list_words(ctx, *list);
    if (shell->empty())
      return make_error(Errc::usage, "which shell? drover completions bash|zsh|fish");
    return run_completions(ctx, *app, *shell);
  });
}

}  // namespace drover::cli
