#include "cli/follow.h"

#include <chrono>

#include "cli/timeline.h"
#include "cli/wake.h"
#include "core/clock.h"
#include "core/text.h"
#include "core/wait_watch.h"
#include "os/file_lock.h"
#include "runner/turn_lease.h"
#include "store/commit_watch.h"
#include "store/events.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"
#include "store/turns.h"

namespace drover::cli {

namespace {

// A fallback: drover's commits wake us through the commit signal (store/store.h); this
// catches other writers (a sqlite3 shell) and a signal file replaced under the watch.
constexpr auto kPollEvery = std::chrono::milliseconds(250);

// Who could still run the agent's turns while a shell waits on it.
WaitFacts wait_facts(Context& ctx, const ProjectPaths& p, const std::string& agent, int restarts) {
  WaitFacts f;
  f.supervisor_running = os::is_locked(p.supervisor_lock());
  f.runner_holds_agent = runner::lease_held(p, agent);
  std::error_code ec;
  f.supervisor_died = !f.supervisor_running && std::filesystem::exists(p.supervisor_pid(), ec);
  auto cfg = ctx.config();
  f.autostart = cfg && cfg->supervisor.autostart;
  f.restarts = restarts;
  return f;
}

// The line announcing a retry of the agent's failed turn. The supervisor retries only an
// agent with mail to carry (its released mail), so without any no retry is ahead.
std::optional<std::string> follow_retry_line(Context& ctx, const Session& s, std::size_t pending) {
  if (pending == 0) return std::nullopt;
  RetryFacts f;
  f.between_turns = s.state == SessionState::between_turns && !s.current_turn;
  f.failed_turns = s.failed_turns;
  auto cfg = ctx.config();
  f.max_failed_turns = cfg ? cfg->supervisor.max_failed_turns : 3;
  if (s.retry_after)
    if (auto at = parse_timestamp(*s.retry_after))
      f.retry_in = std::chrono::duration_cast<std::chrono::milliseconds>(
          *at - SystemClock::instance().now());
  f.reason = s.state_reason ? escape_control(*s.state_reason) : "";
  return retry_line(f);
}

}  // namespace

Status follow_agent(Context& ctx, const std::string& agent, FollowUntil until,
                    std::optional<std::int64_t> mail_id, std::int64_t events_after) {
  auto st = ctx.store();
  if (!st) return st.error();
  auto project = ctx.project();
  if (!project) return project.error();
  auto changes = store::watch_commits(**st);
  Timeline timeline(ctx.out, **st, *project);
  std::int64_t after = events_after;
  std::optional<std::int64_t> carrying_turn;
  nlohmann::json lines = nlohmann::json::array();
  int restarts = 0;
  std::optional<std::int64_t> retry_said;  // the turn count whose retry was announced
  bool nobody_runs_it = false;             // seen once: confirmed by a fresh read before giving up
  std::optional<std::int64_t> live_turn;   // answered: the turn `mail_id` went into, live
  std::optional<nlohmann::json> answer;    // answered: the result that answered it
  struct View {
    std::optional<Session> session;
    std::vector<store::EventRecord> events;
    std::size_t pending = 0;
    std::size_t live_children = 0;
    std::optional<MailMessage> mail;
    std::optional<TurnRecord> turn;
  };
  for (;;) {
    auto v = (*st)->read<View>([&](store::Tx& tx) -> Result<View> {
      View v;
      v.session = tx.sessions().get(agent);
      v.events = tx.events().for_agent(agent, std::nullopt, after, 0);
      // Unread mail, claimed or not: between the claim and the start of a turn the
      // agent is still between_turns, with nothing pending, and not idle.
      v.pending = static_cast<std::size_t>(tx.mail().unread_count(agent));
      v.live_children = tx.sessions().live_children(agent).size();
      if (mail_id) v.mail = tx.mail().get(*mail_id);
      if (carrying_turn) v.turn = tx.turns().get(*carrying_turn);
      return v;
    });
    if (!v) return v.error();
    if (!v->session) return make_error(Errc::not_found, "no agent named '" + agent + "'");
    for (const auto& e : v->events) {
      after = e.id;
      if (until == FollowUntil::answered && mail_id && !answer) {
        auto data = nlohmann::json::parse(e.data, nullptr, false);
        if (e.kind == "live_input" && data.is_object() && data.contains("mail") &&
            data["mail"].is_array()) {
          for (const auto& id : data["mail"])
            if (id.is_number_integer() && id.get<std::int64_t>() == *mail_id) live_turn = e.turn;
        } else if (e.kind == "result" && live_turn && e.turn == live_turn && data.is_object() &&
                   !data.value("interrupted", false)) {
          answer = data;
        }
      }
      std::string line = timeline.line(e);
      if (ctx.out.json) lines.push_back(line);
      else ctx.out.info(line);
    }
    const Session& s = *v->session;
    // A failed turn that will be retried: said once, and the wait goes on (issue 16 item 7).
    auto retry = follow_retry_line(ctx, s, v->pending);
    if (retry && retry_said != s.turn_count) {
      retry_said = s.turn_count;
      if (ctx.out.json) lines.push_back(*retry);
      else ctx.out.info(*retry);
    }
    auto finish = [&](bool good, const std::string& why) -> Status {
      ctx.out.document({{"agent", agent},
                        {"state", to_string(s.state)},
                        {"state_reason", s.state_reason ? nlohmann::json(*s.state_reason)
                                                        : nlohmann::json(nullptr)},
                        {"progress", lines}});
      if (good) return ok_status();
      return make_error(Errc::failed, why);
    };
    if (until == FollowUntil::settled_idle) {
      // Waiting for live children is work in progress, not idleness.
      bool idle = s.state == SessionState::between_turns && v->pending == 0 && !s.current_turn &&
                  v->live_children == 0;
      if (is_terminal(s.state) || idle)
        return finish(s.state == SessionState::completed,
                      agent + " is " + std::string(to_string(s.state)) +
                          (s.state_reason ? " (" + escape_control(*s.state_reason) + ")" : ""));
    } else if (answer) {
      bool is_error = answer->value("is_error", false);
      return finish(!is_error, "the answer to the nudge was an error: " +
                                   escape_control(answer->value("text", std::string())));
    } else if ((until == FollowUntil::turn_settled || until == FollowUntil::answered) && v->mail) {
      if (v->mail->read_at) return finish(true, "");
      if (v->mail->claimed_turn) carrying_turn = v->mail->claimed_turn;
      // A failed carrying turn releases the nudge; while a retry is ahead, the next
      // attempt carries it again and the wait follows it there.
      bool retried = !is_terminal(s.state) &&
                     (retry || (v->turn && v->turn->outcome == TurnOutcome::lost_session));
      if (v->turn && v->turn->ended_at && !v->mail->claimed_turn && !retried)
        return finish(false, "the turn that carried the nudge ended " +
                                 v->turn->outcome_name.value_or("without a result") +
                                 (s.state_reason && !s.state_reason->empty()
                                      ? " (" + escape_control(*s.state_reason) + ")"
                                      : ""));
      if (is_terminal(s.state) && !v->mail->claimed_turn)
        return finish(false, agent + " is " + std::string(to_string(s.state)) +
                                 " and did not take the nudge");
    }
    if (until == FollowUntil::forever && is_terminal(s.state)) return finish(true, "");
    if (until != FollowUntil::forever) {
      // A wait must not outlive whatever runs the agent's turns (SPEC §6.1).
      auto verdict = judge_wait(wait_facts(ctx, *project, agent, restarts));
      if (verdict.kind == WaitVerdict::Kind::give_up) {
        // The supervisor may have settled the agent just before it went: read once more.
        if (nobody_runs_it)
          return finish(false, agent + " is still " + std::string(to_string(s.state)) + ", but " +
                                   verdict.reason);
        nobody_runs_it = true;
        continue;
      }
      nobody_runs_it = false;
      if (verdict.kind == WaitVerdict::Kind::restart_supervisor) {
        ++restarts;
        ctx.out.warn("drover: " + verdict.reason);
        if (auto started = start_supervisor(ctx); !started)
          ctx.out.warn("drover: " + started.error().message);
      }
    }
    changes->wait(kPollEvery);  // until a writer commits (or the fallback poll)
  }
}

}  // namespace drover::cli
