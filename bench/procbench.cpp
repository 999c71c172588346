// procbench: whole-process timings for scripts/bench. Not a test: it asserts nothing.
//
//   procbench [--runs N] [--warmup W] [--stdin FILE] [--before SHELL] -- ARGV…
//     Runs ARGV W times untimed, then N times timed. Each timed run is posix_spawn → wait4;
//     wall time comes from CLOCK_MONOTONIC around the pair, peak RSS from wait4's
//     ru_maxrss (the same kernel figure `/usr/bin/time -v` prints as "Maximum resident set
//     size"). "{i}" in any argument is replaced by the run number, so every run can use a
//     fresh name. --before runs `/bin/sh -c SHELL` (with {i} replaced) untimed before each
//     run, to put the system back into the state the case needs.
//
//   procbench --sigterm [--runs N] [--warmup W] -- ARGV…
//     The floor for stopping a process: spawns ARGV, waits for its first byte on stdout (it
//     is running), then times kill(SIGTERM) → waitpid.
//
// Prints one line: median p10 p90 min max (milliseconds) peak_rss_kib runs, tab separated.
// A run that exits non-zero is reported on stderr and makes procbench exit 1.
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

double now_ms() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

std::string subst(std::string s, int i) {
  for (std::size_t p; (p = s.find("{i}")) != std::string::npos;) s.replace(p, 3, std::to_string(i));
  return s;
}

struct Run {
  double ms = 0;
  long rss_kib = 0;
  int status = 0;
};

pid_t spawn(const std::vector<std::string>& args, int i, int stdin_fd, int stdout_fd) {
  std::vector<std::string> a;
  for (const auto& s : args) a.push_back(subst(s, i));
  std::vector<char*> argv;
  for (auto& s : a) argv.push_back(s.data());
  argv.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  if (stdin_fd >= 0) posix_spawn_file_actions_adddup2(&fa, stdin_fd, 0);
  if (stdout_fd >= 0) posix_spawn_file_actions_adddup2(&fa, stdout_fd, 1);
  pid_t pid = -1;
  int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) {
    std::fprintf(stderr, "procbench: cannot run %s: %s\n", argv[0], std::strerror(rc));
    std::exit(2);
  }
  return pid;
}

Run timed(const std::vector<std::string>& args, int i, const char* stdin_path, int devnull) {
  int in = stdin_path ? ::open(stdin_path, O_RDONLY | O_CLOEXEC) : devnull;
  if (in < 0) {
    std::fprintf(stderr, "procbench: cannot open %s\n", stdin_path);
    std::exit(2);
  }
  Run r;
  double t0 = now_ms();
  pid_t pid = spawn(args, i, in, devnull);
  rusage ru{};
  while (::wait4(pid, &r.status, 0, &ru) < 0 && errno == EINTR) {
  }
  r.ms = now_ms() - t0;
  r.rss_kib = ru.ru_maxrss;
  if (in != devnull) ::close(in);
  return r;
}

Run sigterm_run(const std::vector<std::string>& args, int i, int devnull) {
  int p[2];
  if (::pipe2(p, O_CLOEXEC) != 0) std::exit(2);
  pid_t pid = spawn(args, i, devnull, p[1]);
  ::close(p[1]);
  char c;
  (void)!::read(p[0], &c, 1);  // it has started and written
  Run r;
  double t0 = now_ms();
  ::kill(pid, SIGTERM);
  rusage ru{};
  while (::wait4(pid, &r.status, 0, &ru) < 0 && errno == EINTR) {
  }
  r.ms = now_ms() - t0;
  r.rss_kib = ru.ru_maxrss;
  r.status = 0;  // killed by the signal on purpose
  ::close(p[0]);
  return r;
}

double pct(const std::vector<double>& sorted, double q) {
  double pos = q * (sorted.size() - 1);
  auto lo = static_cast<std::size_t>(pos);
  auto hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

[[noreturn]] void usage(const char* why) {
  std::fprintf(stderr,
               "procbench: %s\nusage: procbench [--sigterm] [--runs N] [--warmup W] [--stdin FILE] "
               "[--before SHELL] -- ARGV…\n",
               why);
  std::exit(2);
}

}  // namespace

int main(int argc, char** argv) {
  int runs = 30, warmup = 3;
  const char* stdin_path = nullptr;
  const char* before = nullptr;
  bool sigterm = false;
  int k = 1;
  for (; k < argc; ++k) {
    std::string a = argv[k];
    if (a == "--") {
      ++k;
      break;
    }
    if (a == "--sigterm") {
      sigterm = true;
      continue;
    }
    if (k + 1 >= argc) usage(("missing value after " + a).c_str());
    if (a == "--runs") runs = std::atoi(argv[++k]);
    else if (a == "--warmup") warmup = std::atoi(argv[++k]);
    else if (a == "--stdin") stdin_path = argv[++k];
    else if (a == "--before") before = argv[++k];
    else usage(("unknown option " + a).c_str());
  }
  if (k >= argc) usage("no command given after --");
  if (runs < 1) usage("--runs must be at least 1");
  std::vector<std::string> args(argv + k, argv + argc);
  int devnull = ::open("/dev/null", O_RDWR | O_CLOEXEC);

  std::vector<double> ms;
  long rss = 0;
  bool failed = false;
  for (int i = 0; i < warmup + runs; ++i) {
    if (before) {
      std::string cmd = subst(before, i);
      if (std::system(cmd.c_str()) != 0) {
        std::fprintf(stderr, "procbench: --before failed: %s\n", cmd.c_str());
        return 1;
      }
    }
    Run r = sigterm ? sigterm_run(args, i, devnull) : timed(args, i, stdin_path, devnull);
    if (r.status != 0) {
      std::fprintf(stderr, "procbench: run %d of %s exited with status %d\n", i, args[0].c_str(),
                   WIFEXITED(r.status) ? WEXITSTATUS(r.status) : 128 + WTERMSIG(r.status));
      failed = true;
    }
    if (i < warmup) continue;
    ms.push_back(r.ms);
    rss = std::max(rss, r.rss_kib);
  }
  std::sort(ms.begin(), ms.end());
  std::printf("%.3f\t%.3f\t%.3f\t%.3f\t%.3f\t%ld\t%d\n", pct(ms, 0.5), pct(ms, 0.1), pct(ms, 0.9),
              ms.front(), ms.back(), rss, runs);
  return failed ? 1 : 0;
}
