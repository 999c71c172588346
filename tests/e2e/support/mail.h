#pragma once
// Mail through the CLI (`mail send`, `mail list --json`) and straight from the database
// (a message's flags), and the mail invariants every run must keep.
#include <cstdint>
#include <string>
#include <vector>

#include "support/project.h"

namespace e2e {

// Runs `drover mail send --json ARGS…`, asserting success; returns the ids it reports.
std::vector<std::int64_t> send(const TempProject& p, std::vector<std::string> args,
                               const RunOptions& o = {});

// `drover mail list --json --limit 0 FILTERS…`: every matching message, newest first.
std::vector<Json> mail_list(const TempProject& p, std::vector<std::string> filters = {});
std::size_t mail_count(const TempProject& p);  // all stored messages
std::vector<Json> worker_died_to(const TempProject& p,
                                 const std::string& parent);  // worker_died mail

// The id of the dispatch mail `sling` queued for the agent.
std::string dispatch_id(const TempProject& p, const std::string& agent);
// "unread|unclaimed" flags of one message: "1|1" means it went back to the queue.
std::string released_flags(const TempProject& p, const std::string& id);

// Mail invariants for one agent (SPEC §4, §5.1, §7), checked on the database and the fixture
// agent's records: at most one unfinished turn and turns never overlap; a claimed unread
// message belongs to that unfinished turn; a read message was read by a turn that ended with
// a clean result (completed, waiting, a contract violation, or stopped only after the agent
// had given a clean result and exited 0); no message was carried again by a later turn after
// it was read.
void check_mail_invariants(const TempProject& p, const std::string& agent);

}  // namespace e2e
