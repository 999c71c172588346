// In-process overhead of one turn (issue 4): the runner's wall time for a turn with an
// agent that answers at once, minus the agent's own run time measured as a bare
// posix_spawn → write stdin → read stdout to EOF → wait of the same program.
// Prints medians over N turns (default 100). Not a test: it asserts nothing.
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <boost/asio/io_context.hpp>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <vector>

#include "core/assets.h"
#include "core/clock.h"
#include "core/prompt.h"
#include "os/files.h"
#include "os/spawn.h"
#include "runner/runner.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"

namespace fs = std::filesystem;
using namespace drover;
using Steady = std::chrono::steady_clock;

static double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return v.size() % 2 ? v[v.size() / 2] : (v[v.size() / 2 - 1] + v[v.size() / 2]) / 2;
}

static double bare_run(const std::string& line) {
  auto t0 = Steady::now();
  os::SpawnRequest req;
  req.argv = {DROVER_AGENT_BIN};
  auto c = os::spawn(req);
  if (!c) std::abort();
  (void)!::write(c->stdin_fd, line.data(), line.size());
  ::close(c->stdin_fd);
  c->stdin_fd = -1;
  char buf[65536];
  while (::read(c->stdout_fd, buf, sizeof buf) > 0) {
  }
  while (::read(c->stderr_fd, buf, sizeof buf) > 0) {
  }
  int st;
  ::waitpid(c->pid, &st, 0);
  os::close_child_fds(*c);
  return std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
}

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 100;
  char tmpl[] = "/tmp/drover-bench-runner-XXXXXX";
  fs::path root = ::mkdtemp(tmpl);
  ProjectPaths paths{root};
  (void)os::make_private_dirs(paths.capabilities());
  (void)os::write_file_atomic(paths.capabilities() / "coordinator.md",
                              *find_asset("agents/coordinator.md"));
  auto store = store::Store::open(paths.db(), store::OpenMode::create);
  if (!store) return 1;
  runner::RunnerContext ctx;
  ctx.paths = paths;
  ctx.config.runtimes["scripted"] =
      RuntimeConfig{{DROVER_AGENT_BIN}, {}, {"--resume", "{session_id}"}};
  ctx.store = store->get();
  ctx.log =
      std::make_shared<spdlog::logger>("bench", std::make_shared<spdlog::sinks::null_sink_st>());
  (void)(*store)->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    Session s;
    s.name = "bench";
    s.capability = "coordinator";  // persistent: every clean turn returns to between_turns
    s.runtime = "scripted";
    s.task = "answer";
    s.state = SessionState::booting;
    s.created_at = s.last_activity = now_timestamp();
    (void)tx.sessions().insert(s);
    return Unit{};
  });
  std::vector<double> turn_ms, bare_ms;
  std::string line = user_turn_line(
      "[MAIL #1] From: operator | Type: nudge | Priority: normal | Subject: go\nanswer");
  for (int i = 0; i < n + 5; ++i) {
    (void)(*store)->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
      MailMessage m;
      m.from = "operator";
      m.to = "bench";
      m.type = "nudge";
      m.subject = "go";
      m.body = "answer";
      tx.mail().insert(m);
      return Unit{};
    });
    boost::asio::io_context io;
    auto t0 = Steady::now();
    auto r = runner::start_turn(io, ctx, {"bench", false, {}}, [](const runner::TurnReport&) {});
    if (r.kind != runner::StartResult::Kind::started) {
      std::fprintf(stderr, "turn did not start: %s\n", r.message.c_str());
      return 1;
    }
    io.run();
    double t = std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
    double b = bare_run(line);
    if (i >= 5) {  // warm-up
      turn_ms.push_back(t);
      bare_ms.push_back(b);
    }
  }
  double mt = median(turn_ms), mb = median(bare_ms);
  std::printf("| runner turn (median of %d) | %.3f ms |\n", n, mt);
  std::printf("| bare spawn of the same agent | %.3f ms |\n", mb);
  std::printf("| runner overhead per turn | %.3f ms |\n", mt - mb);
  fs::remove_all(root);
  return 0;
}
