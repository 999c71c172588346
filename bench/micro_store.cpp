// Micro-benchmarks of the store (issue 7) on a real SQLite file in /tmp: inserting mail,
// claiming it for a turn, the settle transaction, the status query at 0 / 200 / 10,000
// sessions and the inbox query at 10,000 / 100,000 messages. Not tests: nothing here
// asserts a time.
#include <benchmark/benchmark.h>
#include <spdlog/sinks/null_sink.h>
#include <spdlog/spdlog.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <memory>
#include <string>

#include "core/clock.h"
#include "core/mail.h"
#include "core/session.h"
#include "runner/turn_ends.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"
#include "store/turns.h"

using namespace drover;
namespace fs = std::filesystem;

namespace {

// A fresh database in its own temporary directory, removed afterwards.
struct Db {
  fs::path dir;
  std::unique_ptr<store::Store> store;
  Db() {
    std::string tmpl = "/tmp/drover-bench-XXXXXX";
    if (::mkdtemp(tmpl.data()) == nullptr) std::abort();
    dir = tmpl;
    auto s = store::Store::open(dir / "drover.db", store::OpenMode::create);
    if (!s) std::abort();
    store = std::move(*s);
  }
  ~Db() {
    store.reset();
    std::error_code ec;
    fs::remove_all(dir, ec);
  }
};

template <class F>
void must_write(store::Store& st, F fn) {
  auto r = st.write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    fn(tx);
    return Unit{};
  });
  if (!r) std::abort();
}

Session make_session(const std::string& name, SessionState state) {
  Session s;
  s.name = name;
  s.capability = "builder";
  s.runtime = "claude";
  s.task = "fix the login bug in " + name;
  s.state = state;
  s.parent = "lead";
  s.created_at = s.last_activity = now_timestamp();
  return s;
}

MailMessage make_mail(const std::string& to, int i) {
  MailMessage m;
  m.from = "lead";
  m.to = to;
  m.subject = "message " + std::to_string(i);
  m.body = "Please look at the session expiry path next and report with worker_done when done.";
  m.created_at = now_timestamp();
  return m;
}

void BM_MailInsert(benchmark::State& state) {
  Db db;
  int i = 0;
  for (auto _ : state)
    must_write(*db.store, [&](store::Tx& tx) { tx.mail().insert(make_mail("alice", ++i)); });
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_MailInsert);

// Claim a turn's pending mail and release it again: the start-of-turn transaction's core.
void BM_ClaimPending(benchmark::State& state) {
  Db db;
  must_write(*db.store, [&](store::Tx& tx) {
    (void)tx.sessions().insert(make_session("alice", SessionState::between_turns));
    for (int i = 0; i < 3; ++i) tx.mail().insert(make_mail("alice", i));
  });
  std::int64_t turn = 0;
  for (auto _ : state) {
    must_write(*db.store, [&](store::Tx& tx) {
      turn = tx.turns().create("alice", now_timestamp(), std::nullopt, tx.mail().max_id());
      benchmark::DoNotOptimize(tx.mail().claim_pending("alice", turn));
    });
    state.PauseTiming();
    must_write(*db.store, [&](store::Tx& tx) { tx.mail().release_turn(turn); });
    state.ResumeTiming();
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_ClaimPending);

// The runner's settle transaction (settle_run in runner/turn_ends.cpp) for a clean turn
// that read two messages and sent its terminal mail.
void BM_SettleTurn(benchmark::State& state) {
  Db db;
  runner::RunEnd end;
  end.agent = "alice";
  end.terminal_mail = {"worker_done"};
  end.how.exit_code = 0;
  end.how.has_result = true;
  end.how.result_text = "done";
  end.duration_ms = 5;
  end.cost_usd = 0.01;
  end.input_tokens = 100;
  end.output_tokens = 20;
  end.session_id = "sess-1";
  must_write(*db.store, [&](store::Tx& tx) {
    (void)tx.sessions().insert(make_session("alice", SessionState::between_turns));
  });
  for (auto _ : state) {
    state.PauseTiming();
    must_write(*db.store, [&](store::Tx& tx) {
      (void)tx.sessions().transition("alice", SessionEvent::resume);
      tx.mail().insert(make_mail("alice", 1));
      tx.mail().insert(make_mail("alice", 2));
      end.turn_id =
          tx.turns().create("alice", now_timestamp(), std::nullopt, tx.mail().max_id() - 2);
      tx.mail().claim_pending("alice", end.turn_id);
      (void)tx.sessions().transition("alice", SessionEvent::turn_started);
      MailMessage done = make_mail("lead", 3);
      done.from = "alice";
      done.type = "worker_done";
      tx.mail().insert(done);
    });
    state.ResumeTiming();
    auto settled = runner::settle_run(*db.store, runner::SettlePolicy{}, end);
    benchmark::DoNotOptimize(settled);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_SettleTurn);

// status: every session row plus the operator's unread count, in one read transaction.
void BM_StatusQuery(benchmark::State& state) {
  Db db;
  must_write(*db.store, [&](store::Tx& tx) {
    for (int i = 0; i < state.range(0); ++i)
      (void)tx.sessions().insert(
          make_session("agent" + std::to_string(i),
                       i % 4 == 0 ? SessionState::between_turns : SessionState::completed));
  });
  for (auto _ : state) {
    auto r = db.store->read<std::size_t>([&](store::Tx& tx) -> Result<std::size_t> {
      return tx.sessions().list().size() +
             static_cast<std::size_t>(tx.mail().unread_count("operator"));
    });
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(state.iterations() * state.range(0));
}
BENCHMARK(BM_StatusQuery)->Arg(0)->Arg(200)->Arg(10000)->Unit(benchmark::kMicrosecond);

// mail list --to operator (the newest 100) with 10,000 / 100,000 messages over 20 agents.
void BM_InboxQuery(benchmark::State& state) {
  Db db;
  must_write(*db.store, [&](store::Tx& tx) {
    for (int i = 0; i < state.range(0); ++i)
      tx.mail().insert(make_mail(i % 20 == 0 ? "operator" : "agent" + std::to_string(i % 20), i));
  });
  store::MailFilter f;
  f.to = "operator";
  for (auto _ : state) {
    auto r = db.store->read<std::size_t>(
        [&](store::Tx& tx) -> Result<std::size_t> { return tx.mail().list(f).size(); });
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_InboxQuery)->Arg(10000)->Arg(100000)->Unit(benchmark::kMicrosecond);

// The supervisor's scheduling query with 1,000 idle agents (its idle-loop cost).
void BM_RunnableQuery(benchmark::State& state) {
  Db db;
  must_write(*db.store, [&](store::Tx& tx) {
    for (int i = 0; i < 1000; ++i)
      (void)tx.sessions().insert(
          make_session("idle" + std::to_string(i), SessionState::between_turns));
  });
  for (auto _ : state) {
    auto r = db.store->read<std::size_t>(
        [&](store::Tx& tx) -> Result<std::size_t> { return tx.sessions().runnable().size(); });
    benchmark::DoNotOptimize(r);
  }
}
BENCHMARK(BM_RunnableQuery)->Unit(benchmark::kMicrosecond);

}  // namespace

BENCHMARK_MAIN();
