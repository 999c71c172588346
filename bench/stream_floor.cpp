// stream_floor: the floor for the supervisor's CPU per streamed event (bench/scale.sh).
// Not a test: it asserts nothing.
//
//   stream_floor --agents N --stdin FILE [--quantum-us Q] [--window S] -- ARGV…
//
// Spawns N copies of ARGV (the streaming agent bench/scale.sh gives the supervisor), each
// in a process group of its own, with FILE on a pipe to its stdin (then closed, as a turn
// without live input gets it), stdout on a pipe and stderr on /dev/null. Then reads every
// stdout pipe the simplest way that wastes nothing: one level-triggered epoll set holding
// them all, and one read per pipe the set reports, bytes counted and dropped. With Q > 0,
// each round of the loop begins at least Q µs after the one before, as the supervisor's
// paced loop does from 16 running turns on (supervisor/paced_loop.cpp), so that both wake
// about as often.
//
// Once every agent has written a line (or after 120 s), counts the lines read and this
// process's own CPU (user + system, children excluded) over a window of S seconds (8 by
// default), and prints one line: µs per line, lines, lines per second, CPU %. What the
// kernel costs to hand the same lines to a reader: the supervisor's figure beside it is
// what drover adds (parsing, the store, transcripts, the watchdog, the loop).
#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

extern char** environ;

namespace {

double now_s() {
  timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return static_cast<double>(ts.tv_sec) + static_cast<double>(ts.tv_nsec) / 1e9;
}

double cpu_s() {
  rusage ru{};
  getrusage(RUSAGE_SELF, &ru);
  auto s = [](const timeval& t) { return static_cast<double>(t.tv_sec) + t.tv_usec / 1e6; };
  return s(ru.ru_utime) + s(ru.ru_stime);
}

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "stream_floor: %s: %s\n", what.c_str(), std::strerror(errno));
  std::exit(2);
}

struct Agent {
  pid_t pid = -1;
  int out = -1;
  bool wrote = false;
};

Agent spawn(char** argv, const std::string& input, int devnull) {
  int in[2], out[2];
  if (pipe2(in, O_CLOEXEC) != 0 || pipe2(out, O_CLOEXEC) != 0) die("pipe2");
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_adddup2(&fa, in[0], 0);
  posix_spawn_file_actions_adddup2(&fa, out[1], 1);
  posix_spawn_file_actions_adddup2(&fa, devnull, 2);
  posix_spawnattr_t attr;
  posix_spawnattr_init(&attr);
  posix_spawnattr_setflags(&attr, POSIX_SPAWN_SETPGROUP);
  posix_spawnattr_setpgroup(&attr, 0);
  Agent a;
  int rc = posix_spawnp(&a.pid, argv[0], &fa, &attr, argv, environ);
  posix_spawn_file_actions_destroy(&fa);
  posix_spawnattr_destroy(&attr);
  if (rc != 0) {
    errno = rc;
    die(std::string("cannot run ") + argv[0]);
  }
  close(in[0]);
  close(out[1]);
  if (write(in[1], input.data(), input.size()) != static_cast<ssize_t>(input.size())) die("write");
  close(in[1]);
  fcntl(out[0], F_SETFL, O_NONBLOCK);
  a.out = out[0];
  return a;
}

}  // namespace

int main(int argc, char** argv) {
  int n = 0;
  long quantum_us = 0;
  double window = 8;
  const char* input_path = nullptr;
  int i = 1;
  for (; i < argc && std::strcmp(argv[i], "--") != 0; ++i) {
    std::string a = argv[i];
    if (i + 1 >= argc) break;
    if (a == "--agents") n = std::atoi(argv[++i]);
    else if (a == "--stdin") input_path = argv[++i];
    else if (a == "--quantum-us") quantum_us = std::atol(argv[++i]);
    else if (a == "--window") window = std::atof(argv[++i]);
    else break;
  }
  if (i >= argc || std::strcmp(argv[i], "--") != 0 || i + 1 >= argc || n <= 0 || !input_path) {
    std::fprintf(stderr,
                 "usage: stream_floor --agents N --stdin FILE [--quantum-us Q] [--window S] -- "
                 "ARGV…\n");
    return 2;
  }
  char** agent_argv = argv + i + 1;
  std::string input;
  if (FILE* f = std::fopen(input_path, "rb")) {
    char buf[4096];
    for (std::size_t got; (got = std::fread(buf, 1, sizeof buf, f)) > 0;) input.append(buf, got);
    std::fclose(f);
  } else {
    die(std::string("cannot read ") + input_path);
  }
  rlimit lim{};
  getrlimit(RLIMIT_NOFILE, &lim);
  lim.rlim_cur = lim.rlim_max;
  setrlimit(RLIMIT_NOFILE, &lim);
  signal(SIGPIPE, SIG_IGN);

  int devnull = open("/dev/null", O_RDWR | O_CLOEXEC);
  int ep = epoll_create1(EPOLL_CLOEXEC);
  if (devnull < 0 || ep < 0) die("setup");
  std::vector<Agent> agents;
  agents.reserve(static_cast<std::size_t>(n));
  for (int k = 0; k < n; ++k) {
    agents.push_back(spawn(agent_argv, input, devnull));
    epoll_event ev{};
    ev.events = EPOLLIN;
    ev.data.u32 = static_cast<std::uint32_t>(k);
    if (epoll_ctl(ep, EPOLL_CTL_ADD, agents.back().out, &ev) != 0) die("epoll_ctl");
  }

  std::vector<epoll_event> ready(1024);
  std::vector<char> buf(65536);
  long lines = 0;
  int writers = 0, open_pipes = n;
  double start = now_s(), t0 = 0, c0 = 0;
  long l0 = 0;
  bool measuring = false;
  while (open_pipes > 0) {
    double round = now_s();
    if (!measuring && (writers == n || round - start > 120)) {
      measuring = true;
      t0 = round, c0 = cpu_s(), l0 = lines;
    }
    if (measuring && round - t0 >= window) break;
    int got = epoll_wait(ep, ready.data(), static_cast<int>(ready.size()), 1000);
    if (got < 0 && errno != EINTR) die("epoll_wait");
    for (int k = 0; k < got; ++k) {
      Agent& a = agents[ready[static_cast<std::size_t>(k)].data.u32];
      ssize_t r = read(a.out, buf.data(), buf.size());
      if (r > 0) {
        for (ssize_t b = 0; b < r; ++b) lines += buf[static_cast<std::size_t>(b)] == '\n';
        if (!a.wrote) a.wrote = true, ++writers;
      } else if (r == 0) {
        epoll_ctl(ep, EPOLL_CTL_DEL, a.out, nullptr);
        close(a.out);
        a.out = -1;
        --open_pipes;
      }
    }
    if (quantum_us > 0) {
      double until = round + static_cast<double>(quantum_us) / 1e6;
      double left = until - now_s();
      if (left > 0) {
        timespec ts{static_cast<time_t>(left),
                    static_cast<long>((left - static_cast<long>(left)) * 1e9)};
        nanosleep(&ts, nullptr);
      }
    }
  }
  double t1 = now_s(), c1 = cpu_s();
  long l1 = lines;
  for (auto& a : agents) kill(-a.pid, SIGKILL);
  for (auto& a : agents) {
    int status;
    while (waitpid(a.pid, &status, 0) < 0 && errno == EINTR) {
    }
  }
  long counted = l1 - l0;
  if (!measuring || counted <= 0) {
    std::fprintf(stderr, "stream_floor: no lines in the window (%d of %d agents wrote)\n", writers,
                 n);
    return 1;
  }
  std::printf("%.1f\t%ld\t%.0f\t%.2f\n", (c1 - c0) * 1e6 / static_cast<double>(counted), counted,
              static_cast<double>(counted) / (t1 - t0), 100 * (c1 - c0) / (t1 - t0));
  return 0;
}
