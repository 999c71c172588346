// One redraw of the live view (`drover status --watch`, issue 16) with 1,000 agents: the
// snapshot read (cli/swarm_read.h: sessions, cost sums, unread mail, each agent's newest
// event, running turns, the supervisor's files) plus the layout of an 80×24 and a 200×50
// frame. The bound in the issue is 20 ms of CPU per redraw; Google Benchmark's CPU column
// is that figure. Not a test: nothing here asserts a time.
#include <benchmark/benchmark.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "cli/swarm_read.h"
#include "core/clock.h"
#include "core/config.h"
#include "core/swarm_view.h"
#include "store/events.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"
#include "store/turns.h"

using namespace drover;
namespace fs = std::filesystem;

namespace {

constexpr int kLiveAgents = 1000;
constexpr int kLiveTurnsEach = 5;
constexpr int kLiveEventsEach = 60;

// A project directory with 1,000 agents: 5 priced turns and 60 events each (60,000 events),
// 8 of them in a turn, every tenth with unread mail, 2,000 read messages besides.
struct LiveProject {
  fs::path root;
  std::unique_ptr<store::Store> store;
  LiveProject() {
    std::string tmpl = "/tmp/drover-bench-live-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    root = tmpl;
    fs::create_directories(root / ".drover");
    auto s = store::Store::open(root / ".drover/drover.db", store::OpenMode::create);
    if (!s) std::abort();
    store = std::move(*s);
    auto r = store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
      std::string now = now_timestamp();
      for (int i = 0; i < kLiveAgents; ++i) {
        std::string name = "agent" + std::to_string(i);
        std::int64_t last = 0;
        for (int t = 0; t < kLiveTurnsEach; ++t) {
          last = tx.turns().create(name, now, std::nullopt, 0);
          tx.turns().set_pid(last, 1000 + last);
          if (i < 8 && t == kLiveTurnsEach - 1) break;  // still running
          TurnRecord end;
          end.id = last;
          end.ended_at = now;
          end.outcome = TurnOutcome::completed;
          end.cost_usd = 0.0123;
          end.input_tokens = 12000;
          end.output_tokens = 3100;
          tx.turns().finish(end);
        }
        Session s;
        s.name = name;
        s.capability = i % 3 == 0 ? "scout" : "builder";
        s.runtime = "claude";
        s.task = "fix the login bug, part " + std::to_string(i);
        s.state = i < 8 ? SessionState::in_turn
                        : (i % 4 == 0 ? SessionState::between_turns : SessionState::completed);
        if (i < 8) s.current_turn = last;
        s.created_at = s.last_activity = now;
        s.turn_count = kLiveTurnsEach;
        (void)tx.sessions().insert(s);
        for (int e = 0; e < kLiveEventsEach; ++e)
          tx.events().add(name, last, e % 2 ? "tool_start" : "assistant_text", "info",
                          e % 2 ? R"({"tool":"Bash","input":"npm test -- --reporter=dot"})"
                                : R"({"text":"Looking at the session expiry path next."})");
        MailMessage m;
        m.from = "lead";
        m.to = name;
        m.subject = "note";
        m.body = "see the expiry path";
        auto id = tx.mail().insert(m);
        if (i % 10 != 0) tx.mail().mark_read(id, now);
      }
      return Unit{};
    });
    if (!r) std::abort();
  }
  ~LiveProject() {
    store.reset();
    std::error_code ec;
    fs::remove_all(root, ec);
  }
};

void BM_LiveViewRedraw(benchmark::State& state) {
  LiveProject p;
  ProjectPaths paths{p.root};
  Config cfg;
  std::size_t width = static_cast<std::size_t>(state.range(0));
  std::size_t height = static_cast<std::size_t>(state.range(1));
  ViewState v;
  for (auto _ : state) {
    auto snap = cli::read_swarm(*p.store, paths, cfg, SystemClock::instance().now());
    if (!snap) std::abort();
    auto frame = layout_swarm(*snap, v, width, height);
    benchmark::DoNotOptimize(frame);
  }
  state.SetLabel(std::to_string(kLiveAgents) + " agents, " +
                 std::to_string(kLiveAgents * kLiveEventsEach) + " events");
}
BENCHMARK(BM_LiveViewRedraw)->Args({80, 24})->Args({200, 50})->Unit(benchmark::kMillisecond);

// The parts of the read, one at a time: where a redraw's time goes.
void BM_LiveViewReadPart(benchmark::State& state) {
  LiveProject p;
  std::string midnight = cli::local_midnight_timestamp(SystemClock::instance().now());
  for (auto _ : state) {
    auto r = p.store->read<std::size_t>([&](store::Tx& tx) -> Result<std::size_t> {
      switch (state.range(0)) {
        case 0: return tx.sessions().list().size();
        case 1: return tx.turns().costs_by_agent().size();
        case 2: return tx.turns().costs_by_agent(midnight).size();
        case 3: return tx.mail().unread_by_session().size();
        default: return tx.events().latest_per_session().size();
      }
    });
    benchmark::DoNotOptimize(r);
  }
  const char* names[] = {"sessions", "costs", "costs today", "unread", "latest events"};
  state.SetLabel(names[std::min<long>(state.range(0), 4)]);
}
BENCHMARK(BM_LiveViewReadPart)->DenseRange(0, 4)->Unit(benchmark::kMillisecond);

}  // namespace
