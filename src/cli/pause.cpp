#include "cli/pause.h"
#include "cli/agent_lookup.h"

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "core/pause.h"
#include "core/suggest.h"
#include "store/events.h"
#include "store/sessions.h"
#include "store/settings.h"
#include "store/store.h"

namespace drover::cli {

namespace {

Result<Session> pause_target(store::Tx& tx, const std::string& agent, const char* verb) {
  auto s = tx.sessions().get(agent);
  if (!s) return no_agent_named(tx, agent);
  // Unpausing a finished agent is allowed: a pause kept through `stop` would hold it back
  // after `resume`.
  if (is_terminal(s->state) && std::string_view(verb) == "pause")
    return make_error(Errc::conflict, "cannot " + std::string(verb) + " '" + agent + "': it is " +
                                          std::string(to_string(s->state)) +
                                          " and takes no more turns ('drover resume " + agent +
                                          "' brings it back)");
  return *s;
}

PauseChange change_of(const Session& s, bool changed) {
  return {s.name, changed, s.paused_at, s.pause_reason, s.state == SessionState::in_turn};
}

}  // namespace

Result<PauseChange> pause_agent(store::Store& st, const std::string& agent,
                                const std::string& reason, bool now) {
  return st.write<PauseChange>([&](store::Tx& tx) -> Result<PauseChange> {
    auto s = pause_target(tx, agent, "pause");
    if (!s) return s.error();
    if (now) tx.sessions().request_pause_now(agent);
    if (s->paused_at) return change_of(*s, false);
    auto now = now_timestamp();
    tx.sessions().set_pause(agent, now, reason);
    nlohmann::json data = {{"reason", reason}};
    tx.events().add(agent, s->current_turn, "paused", "info", data.dump());
    s->paused_at = now;
    if (!reason.empty()) s->pause_reason = reason;
    return change_of(*s, true);
  });
}

Result<PauseChange> unpause_agent(store::Store& st, const std::string& agent) {
  return st.write<PauseChange>([&](store::Tx& tx) -> Result<PauseChange> {
    auto s = pause_target(tx, agent, "unpause");
    if (!s) return s.error();
    if (!s->paused_at) return change_of(*s, false);
    tx.sessions().clear_pause(agent);
    tx.events().add(agent, s->current_turn, "unpaused", "info", "{}");
    s->paused_at.reset();
    s->pause_reason.reset();
    return change_of(*s, true);
  });
}

Result<EstopChange> estop_on(store::Store& st, bool now) {
  return st.write<EstopChange>([&](store::Tx& tx) -> Result<EstopChange> {
    EstopChange c;
    c.changed = tx.settings().set_if_absent(kEstopKey, now_timestamp());
    c.since = tx.settings().get(kEstopKey).value_or("");
    if (now) tx.sessions().request_pause_now(std::nullopt);
    for (const auto& s : tx.sessions().live()) {
      c.turns_running += s.state == SessionState::in_turn;
      if (now) c.live.push_back(s.name);
    }
    return c;
  });
}

Result<EstopChange> estop_off(store::Store& st) {
  return st.write<EstopChange>([&](store::Tx& tx) -> Result<EstopChange> {
    EstopChange c;
    c.changed = tx.settings().clear(kEstopKey);
    c.agents_unpaused = tx.sessions().clear_pause(std::nullopt);
    for (const auto& s : tx.sessions().live()) c.turns_running += s.state == SessionState::in_turn;
    return c;
  });
}

std::optional<std::string> paused_mail_note(store::Store& st, const std::string& agent) {
  auto note =
      st.read<std::optional<std::string>>([&](store::Tx& tx) -> Result<std::optional<std::string>> {
        auto s = tx.sessions().get(agent);
        if (!s || is_terminal(s->state)) return std::optional<std::string>();
        if (tx.settings().get(kEstopKey))
          return std::optional<std::string>(
              "every agent is paused (E-stop); the mail waits until 'drover unpause --all'");
        if (s->paused_at)
          return std::optional<std::string>(
              agent + " is paused; the mail waits until 'drover unpause " + agent + "'");
        return std::optional<std::string>();
      });
  if (!note) return std::nullopt;
  return *note;
}

}  // namespace drover::cli
