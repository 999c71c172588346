// A turn's store work on either backend (issue 19): the three write transactions the
// runner makes for every turn, timed one by one, with the same repository calls as
//   claim           runner/start_turn.cpp: re-read the session, the open-turn check, the
//                   pause and E-stop, the host's lease, the budget, the turn row, the claim
//                   of the pending mail, the claimed mail, the gates;
//   record_started  runner/start_turn.cpp: in_turn, the turn's pid, the turn_start event;
//   settle_run      runner/turn_ends.cpp itself (it is public): the fenced settle.
// The agent is persistent (no terminal mail), so each turn leaves it between turns; one
// message arrives for it before each turn (untimed).
//
// Usage: turn_store N [POSTGRESQL_URI]. Without a URI the store is SQLite in a temporary
// directory; with one, a fresh schema on that server. Prints one markdown row per
// transaction and one for their sum: median and p90 in ms. Not a test: nothing here
// asserts a time.
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/clock.h"
#include "core/gate.h"
#include "core/mail.h"
#include "core/pause.h"
#include "core/session.h"
#include "runner/budget_check.h"
#include "runner/turn_ends.h"
#include "store/events.h"
#include "store/gates.h"
#include "store/hosts.h"
#include "store/mail.h"
#include "store/pg_db.h"
#include "store/sessions.h"
#include "store/settings.h"
#include "store/store.h"
#include "store/turns.h"

using namespace drover;
namespace fs = std::filesystem;
using Steady = std::chrono::steady_clock;

namespace {

constexpr const char* kHost = "bench-host";

[[noreturn]] void die(const std::string& what) {
  std::fprintf(stderr, "turn_store: %s\n", what.c_str());
  std::exit(1);
}

template <class F>
void must_write(store::Store& st, F fn) {
  auto r = st.write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    fn(tx);
    return Unit{};
  });
  if (!r) die(r.error().message);
}

double ms_since(Steady::time_point t0) {
  return std::chrono::duration<double, std::milli>(Steady::now() - t0).count();
}

double quantile(std::vector<double> v, double q) {
  std::sort(v.begin(), v.end());
  return v[static_cast<std::size_t>(q * static_cast<double>(v.size() - 1))];
}

// The claim transaction of runner/start_turn.cpp (its checks all pass here).
std::int64_t claim(store::Store& st, const std::string& agent) {
  auto r = st.write<std::int64_t>([&](store::Tx& tx) -> Result<std::int64_t> {
    auto s = tx.sessions().get(agent);
    if (!s || s->state != SessionState::between_turns) return make_error(Errc::conflict, "state");
    if (tx.turns().open_for(agent)) return make_error(Errc::conflict, "open turn");
    if (pause_blocks_start(*s, tx.settings().get(kEstopKey)))
      return make_error(Errc::conflict, "paused");
    auto token = tx.hosts().acquire(agent, kHost);
    if (!token) return make_error(Errc::conflict, "lease");
    if (runner::pause_if_over_budget(tx, *s, runner::BudgetBasis{}))
      return make_error(Errc::conflict, "budget");
    auto id = tx.turns().create(agent, now_timestamp(), s->runtime_session_id, tx.mail().max_id(),
                                std::string(kHost), token);
    if (tx.mail().claim_pending(agent, id) == 0) return make_error(Errc::conflict, "no mail");
    auto mail = tx.mail().claimed_by(id);
    GateWait w{tx.gates().holding(agent), false};
    for (const auto& m : mail) w.decision_pending = w.decision_pending || m.type == "decision";
    if (gate_holds_turn(w)) return make_error(Errc::conflict, "gate");
    return id;
  });
  if (!r) die("claim: " + r.error().message);
  return *r;
}

// The in_turn transaction of runner/start_turn.cpp (record_started).
void record_started(store::Store& st, const std::string& agent, std::int64_t turn) {
  must_write(st, [&](store::Tx& tx) {
    store::StateUpdate u;
    u.reason = "";
    u.last_activity = now_timestamp();
    u.count_turn = true;
    u.current_turn = std::optional<std::int64_t>(turn);
    if (!tx.sessions().transition(agent, SessionEvent::turn_started, u)) die("in_turn");
    tx.turns().set_pid(turn, 4242);
    nlohmann::json data = {{"pid", 4242},
                           {"argv", {"claude", "-p", "--output-format", "stream-json"}},
                           {"resume_id", nullptr},
                           {"mail", 1}};
    tx.events().add(agent, turn, "turn_start", "info", data.dump());
  });
}

// A store on `uri` in a fresh schema (the bench owns it), or SQLite in `dir`.
std::unique_ptr<store::Store> open_store(const char* uri, const fs::path& dir) {
  fs::path target = dir / "drover.db";
  if (uri != nullptr) {
    std::string schema = "turn_store_" + std::to_string(::getpid());
    store::PgConnection admin(uri);
    admin.exec("DROP SCHEMA IF EXISTS " + schema + " CASCADE; CREATE SCHEMA " + schema);
    std::string u = uri;
    target =
        u + (u.find('?') == std::string::npos ? "?" : "&") + "options=-csearch_path%3D" + schema;
  }
  auto s = store::Store::open(target, store::OpenMode::create);
  if (!s) die(s.error().message);
  return std::move(*s);
}

void drop_schema(const char* uri) {
  store::PgConnection admin(uri);
  admin.exec("DROP SCHEMA turn_store_" + std::to_string(::getpid()) + " CASCADE");
}

}  // namespace

int main(int argc, char** argv) {
  int n = argc > 1 ? std::atoi(argv[1]) : 200;
  const char* uri = argc > 2 ? argv[2] : nullptr;
  if (n < 1) die("usage: turn_store N [POSTGRESQL_URI]");
  std::string tmpl = "/tmp/drover-turn-store-XXXXXX";
  if (::mkdtemp(tmpl.data()) == nullptr) die("mkdtemp");
  fs::path dir = tmpl;
  std::vector<double> claims, starts, settles, sums;
  {
    auto st = open_store(uri, dir);
    const std::string agent = "alice";
    must_write(*st, [&](store::Tx& tx) {
      tx.hosts().enter(kHost, ::getpid(), now_timestamp(), 30000);
      Session s;
      s.name = agent;
      s.capability = "builder";
      s.runtime = "claude";
      s.task = "fix the login bug";
      s.state = SessionState::between_turns;
      s.parent = "lead";
      s.created_at = s.last_activity = now_timestamp();
      (void)tx.sessions().insert(s);
    });
    runner::RunEnd end;
    end.agent = agent;
    end.terminal_mail = {};  // a persistent agent (a coordinator): it waits for mail again
    end.how.exit_code = 0;
    end.how.has_result = true;
    end.how.result_text = "waiting for the next message";
    end.duration_ms = 5;
    end.cost_usd = 0.01;
    end.input_tokens = 100;
    end.output_tokens = 20;
    end.session_id = "4f1c2d9e-0a6b-4c8e-9d2f-3b7a1e5c6d80";
    for (int i = 0; i < n + 5; ++i) {  // five warm-ups
      must_write(*st, [&](store::Tx& tx) {
        MailMessage m;
        m.from = "lead";
        m.to = agent;
        m.subject = "step " + std::to_string(i);
        m.body = "Please look at the session expiry path next and report when done.";
        m.created_at = now_timestamp();
        tx.mail().insert(m);
      });
      auto t0 = Steady::now();
      end.turn_id = claim(*st, agent);
      double c = ms_since(t0);
      auto t1 = Steady::now();
      record_started(*st, agent, end.turn_id);
      double r = ms_since(t1);
      auto t2 = Steady::now();
      auto settled = runner::settle_run(*st, runner::SettlePolicy{}, end);
      double s = ms_since(t2);
      if (!settled || settled->state != SessionState::between_turns) die("settle_run");
      if (i < 5) continue;
      claims.push_back(c);
      starts.push_back(r);
      settles.push_back(s);
      sums.push_back(c + r + s);
    }
  }
  if (uri != nullptr) drop_schema(uri);
  std::error_code ec;
  fs::remove_all(dir, ec);
  const char* backend = uri != nullptr ? "PostgreSQL" : "SQLite";
  auto row = [&](const char* what, const std::vector<double>& v, const char* target) {
    std::printf("| %s, %s | %.3f | %.3f | %s |\n", what, backend, quantile(v, 0.5),
                quantile(v, 0.9), target);
  };
  row("claim", claims, "-");
  row("record_started (in_turn)", starts, "-");
  row("settle_run", settles, "-");
  row("a turn's store work: claim + in_turn + settle", sums, "≤ 5 ms");
  return 0;
}
