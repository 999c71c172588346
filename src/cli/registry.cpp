#include "cli/registry.h"

namespace drover::cli {

namespace {
const CommandEntry kCommands[] = {
    {"init", "create .drover/ in this directory", install_init},
    {"mail", "send, list, read and reply to mail", install_mail},
    {"status", "show the supervisor, agents and unread mail", install_status},
    {"turn", "run one turn of an agent in the foreground", install_turn},
    {"completions", "print a shell completion script", install_completions},
};
}  // namespace

std::span<const CommandEntry> commands() { return kCommands; }

}  // namespace drover::cli
