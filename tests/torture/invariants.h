#pragma once
// What the torture checks once a project is at rest (issues 8, 15 and 17), and when it is
// at rest. No mail lost: every message a shell sent is stored once, and every message to a
// live agent was read. None carried twice: a read message was read by a clean turn, and,
// counting live input (messages written into a running turn), the turn that read it
// carried it and no later turn did. A message carried live that no result answered is
// released and carried again (at-least-once, docs/steering.md): allowed, as long as only
// its last carrier reads it. One `worker_died` per death. A passing fault fails no agent.
// Nothing held: no live agent paused, no E-stop, no `pause --now` pending, every decided
// gate answered by exactly one `decision` mail.
#include <filesystem>
#include <string>
#include <vector>

#include "support/project.h"

namespace torture {

// `tokens`: the subjects (mail) and bodies (nudges, "nudge-…") of the messages the
// shells sent with exit 0. `when` names the moment for the failure messages.
void check_invariants(const e2e::TempProject& p, const std::vector<std::string>& tokens,
                      const std::string& when);

// Quiet: no turn in progress and no live agent with mail it could take.
bool at_rest(const e2e::TempProject& p);
// No live agent has an open gate (a finished agent's gates are no longer open).
bool no_open_gates(const e2e::TempProject& p);
// Every agent that is in_turn has a live runner holding its turn lock, in one of the
// checkouts `roots` (its host's: several hosts share the store of `p`).
bool in_turn_agents_have_runners(const e2e::TempProject& p,
                                 const std::vector<std::filesystem::path>& roots);

std::vector<std::string> split(const std::string& s, char sep);
std::vector<std::string> split_lines(const std::string& s);

}  // namespace torture
