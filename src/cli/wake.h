#pragma once
// Telling the supervisor there is new work (SPEC §6.6, §7): a poke on supervisor.sock,
// starting the supervisor first when it is down and allowed to.
#include "cli/context.h"

namespace drover::cli {

// Pokes a running supervisor; when none runs, `may_start` is true and config
// `autostart` is on, starts one (detached). Never fails the calling command: problems
// are reported on stderr as a warning.
void notify_supervisor(Context& ctx, bool may_start = true);

// Starts a detached supervisor and waits until it accepts pokes (drover up). When the
// supervisor fails to start it returns the supervisor's own error as soon as it exits
// (its report pipe, os/daemon.h), not after the start timeout.
Status start_supervisor(Context& ctx);

// The report line a supervisor that cannot start sends back ("<Errc number> <message>"),
// and the error it stands for; an empty or unreadable report (the supervisor died without
// a word) gives "the supervisor exited at once (EXIT) without saying why (see LOG)".
std::string start_failure_report(const Error& e);
Error start_failure_from_report(const std::string& report, const std::string& exit,
                                const std::filesystem::path& log);

}  // namespace drover::cli
