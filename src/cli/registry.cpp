#include "cli/registry.h"

#include <CLI/CLI.hpp>

#include "cli/context.h"

namespace drover::cli {

namespace {
const CommandEntry kCommands[] = {
    {"init", "create .drover/ here (or in --project DIR)", install_init},
    {"mail", "send, list, read and reply to mail", install_mail},
    {"status", "show the supervisor, agents and unread mail", install_status},
    {"top", "the live full-screen view of every agent (status --watch)", install_top},
    {"sling", "create an agent with a task and start it", install_sling},
    {"nudge", "queue a nudge for an agent (never waits for a running turn)", install_nudge},
    {"stop", "stop an agent (or --all), killing its running turn", install_stop},
    {"pause", "pause an agent (or --all: the E-stop): no new turn starts", install_pause},
    {"unpause", "let a paused agent (or --all) take turns again", install_unpause},
    {"budget", "show or set an agent's budget: cost, turns, tokens", install_budget},
    {"ask", "ask the parent (or operator) a question and wait for the decision", install_ask},
    {"decide", "answer an agent's question (a gate): yes, no or one of its options",
     install_decide},
    {"gates", "list the open approval gates", install_gates},
    {"resume", "continue a finished agent in its stored session", install_resume},
    {"log", "an agent's timeline: turns, tools, text, results, warnings", install_log},
    {"report", "an agent's final report: outcome, turns, costs, worktree, mail, result",
     install_report},
    {"diff", "what an agent's branch changed since it left its base", install_diff},
    {"merge", "merge an agent's branch into its base branch and record it", install_merge},
    {"costs", "what the turns cost, by agent, capability or day, with totals", install_costs},
    {"clean", "remove finished agents: worktrees, branches, logs and rows", install_clean},
    {"supervise", "run the supervisor in the foreground", install_supervise},
    {"up", "start the supervisor in the background", install_up},
    {"down", "stop the supervisor (running turns resume next time)", install_down},
    {"reload", "make the running supervisor read config.toml again", install_reload},
    {"turn", "run one turn of an agent in the foreground", install_turn},
    {"doctor", "check the installation and the project's files", install_doctor},
    {"completions", "print a completion script: bash, zsh or fish", install_completions},
};
}  // namespace

std::span<const CommandEntry> commands() { return kCommands; }

void on_run(CLI::App* cmd, Context& ctx, std::function<Status()> action) {
  cmd->callback([&ctx, action = std::move(action)] { ctx.action = action; });
}

}  // namespace drover::cli
