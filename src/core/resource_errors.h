#pragma once
// Which errno values name a passing shortage of a system resource — processes (a cgroup's
// pids.max, RLIMIT_NPROC), file descriptors (RLIMIT_NOFILE, the system file table) or
// memory — rather than something wrong with what was asked. The one classification every
// part of os/ uses, so that a shortage reaches the supervisor as Errc::resource and is
// waited out instead of failing an agent (docs/reliability.md, "Transient faults"). Pure.
#include "core/result.h"

namespace drover {

// EAGAIN (EWOULDBLOCK), EMFILE, ENFILE and ENOMEM. ENOSPC is not one of them: a full disk
// is a condition of its own, not something the next attempt is likely to find gone.
bool is_resource_shortage(int err);

// Errc::resource for a shortage, `otherwise` for every other errno.
Errc errc_of_errno(int err, Errc otherwise = Errc::failed);

}  // namespace drover
