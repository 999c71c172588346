#include "cli/nudge.h"

#include "core/mail.h"
#include "store/events.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::cli {

Result<QueuedNudge> queue_nudge(store::Store& st, const Config& config, const std::string& agent,
                                const std::string& from, const std::string& text, NudgeWish wish) {
  return st.write<QueuedNudge>([&](store::Tx& tx) -> Result<QueuedNudge> {
    auto s = tx.sessions().get(agent);
    if (!s)
      return make_error(Errc::not_found, "no agent named '" + agent + "' (see 'drover status')");
    if (is_terminal(s->state))
      return make_error(Errc::conflict,
                        "agent '" + agent + "' is " + std::string(to_string(s->state)) +
                            " (run 'drover resume " + agent + " \"<message>\"' to continue it)");
    QueuedNudge q;
    auto rt = config.runtimes.find(s->runtime);
    q.delivery = choose_delivery(s->runtime, rt == config.runtimes.end() ? nullptr : &rt->second,
                                 wish.queue, wish.interrupt);
    q.in_turn = s->state == SessionState::in_turn;
    MailMessage m;
    m.delivery = q.delivery.delivery;
    m.from = from;
    m.to = agent;
    m.type = "nudge";
    m.subject = "nudge";
    m.body = text;
    q.events_before = tx.events().max_id();
    q.message_id = tx.mail().insert(m);
    return q;
  });
}

}  // namespace drover::cli
