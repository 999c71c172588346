#pragma once
// clone3 as posix_spawn clones: the child shares our memory (CLONE_VM) and we are
// suspended until it calls execve or exits (CLONE_VFORK). A plain clone3 copies our page
// tables and makes every page copy-on-write for as long as the child lives, a cost that
// grows with the supervisor's memory (1,000 running turns) and is paid on every start.
#include <linux/sched.h>

namespace drover::os {

// Runs `child(arg)` in the new process, on a stack of its own; `child` must end in execve
// or _exit and, sharing our memory, may only make system calls on memory prepared before
// the call (no malloc, no locks, no C++ exceptions). Every signal is blocked in us for the
// duration, and the child starts with them blocked: it restores its dispositions and mask
// itself before exec. `args` gets CLONE_VM | CLONE_VFORK and the stack added.
// Returns the child's pid, or -1 with errno set (nothing was created).
long clone3_vfork(clone_args& args, void (*child)(void*), void* arg);

}  // namespace drover::os
