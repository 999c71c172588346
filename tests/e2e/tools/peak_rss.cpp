// peak-rss COMMAND [ARGS…]: runs COMMAND with this process's stdin, stdout and stderr, then
// writes "peak-rss: <KiB>" as the last line of stderr and exits with its exit code.
//
// The e2e tests measure a drover command's peak memory through this small process rather
// than their own wait4: Linux carries the parent's peak RSS into a child that execs (the
// exec records the old address space's high-water mark), so a child of the big test
// process would report the test's memory, not its own. Plain C calls only: its own RSS is
// well under a megabyte, far below anything it measures.
#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>

int main(int argc, char** argv) {
  if (argc < 2) {
    std::fprintf(stderr, "usage: peak-rss COMMAND [ARGS...]\n");
    return 2;
  }
  pid_t pid = ::fork();
  if (pid < 0) {
    std::perror("peak-rss: fork");
    return 127;
  }
  if (pid == 0) {
    ::execvp(argv[1], argv + 1);
    std::perror("peak-rss: exec");
    ::_exit(127);
  }
  int status = 0;
  rusage ru{};
  while (::wait4(pid, &status, 0, &ru) < 0)
    if (errno != EINTR) {
      std::perror("peak-rss: wait4");
      return 127;
    }
  std::fprintf(stderr, "peak-rss: %ld\n", ru.ru_maxrss);
  if (WIFEXITED(status)) return WEXITSTATUS(status);
  return 128 + WTERMSIG(status);
}
