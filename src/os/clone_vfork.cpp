#include "os/clone_vfork.h"

#include <signal.h>
#include <sys/mman.h>
#include <sys/syscall.h>

#include <cerrno>
#include <cstdint>

namespace drover::os {

namespace {

// The child's stack: it runs a few system-call wrappers (and a sanitizer's interceptors in
// instrumented builds), then execve. Mapped per call, as glibc's posix_spawn does, so no
// memory we use afterwards was ever its stack (an instrumented build marks stack memory).
constexpr std::size_t kChildStack = 256 * 1024;

#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
// The system call itself. The child returns from `syscall` on its new stack, so it cannot
// return through C++ frames: it calls `child` straight from here and never comes back.
long raw_clone3(clone_args* args, void (*child)(void*), void* arg) {
  long ret;
  register void (*fn)(void*) asm("r12") = child;
  register void* fn_arg asm("r13") = arg;
  asm volatile(
      "syscall\n\t"
      "testq %%rax, %%rax\n\t"
      "jnz 1f\n\t"
      "xorl %%ebp, %%ebp\n\t"
      "movq %%r13, %%rdi\n\t"
      "callq *%%r12\n\t"
      "ud2\n\t"
      "1:\n\t"
      : "=a"(ret)
      : "0"(static_cast<long>(SYS_clone3)), "D"(args), "S"(sizeof *args), "r"(fn), "r"(fn_arg)
      : "rcx", "r11", "memory");
  return ret;
}
#endif

}  // namespace

namespace {

// The clone itself, with every signal already blocked; -1 and errno on failure.
long clone_blocked(clone_args& args, void (*child)(void*), void* arg) {
#if defined(__x86_64__) && !defined(__SANITIZE_THREAD__)
  void* stack = ::mmap(nullptr, kChildStack, PROT_READ | PROT_WRITE,
                       MAP_PRIVATE | MAP_ANONYMOUS | MAP_STACK | MAP_NORESERVE, -1, 0);
  if (stack == MAP_FAILED) return -1;
  args.flags |= CLONE_VM | CLONE_VFORK;
  args.stack = reinterpret_cast<std::uint64_t>(stack);
  args.stack_size = kChildStack;
  long ret = raw_clone3(&args, child, arg);
  ::munmap(stack, kChildStack);
  if (ret < 0) {
    errno = static_cast<int>(-ret);
    return -1;
  }
  return ret;
#else
  // Elsewhere (and under ThreadSanitizer, which cannot follow a child sharing our memory):
  // a copy of us, as fork makes.
  long pid = ::syscall(SYS_clone3, &args, sizeof args);
  if (pid == 0) child(arg);
  return pid;
#endif
}

}  // namespace

long clone3_vfork(clone_args& args, void (*child)(void*), void* arg) {
  sigset_t all, old;
  sigfillset(&all);
  ::pthread_sigmask(SIG_SETMASK, &all, &old);
  long ret = clone_blocked(args, child, arg);
  int err = errno;
  ::pthread_sigmask(SIG_SETMASK, &old, nullptr);
  errno = err;
  return ret;
}

}  // namespace drover::os
