#include "cli/nudge.h"

#include "core/mail.h"
#include "store/events.h"
#include "store/mail.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::cli {

Result<QueuedNudge> queue_nudge(store::Store& st, const std::string& agent, const std::string& from,
                                const std::string& text) {
  return st.write<QueuedNudge>([&](store::Tx& tx) -> Result<QueuedNudge> {
    auto s = tx.sessions().get(agent);
    if (!s)
      return make_error(Errc::not_found, "no agent named '" + agent + "' (see 'drover status')");
    if (is_terminal(s->state))
      return make_error(Errc::conflict,
                        "agent '" + agent + "' is " + std::string(to_string(s->state)) +
                            " (run 'drover resume " + agent + " \"<message>\"' to continue it)");
    MailMessage m;
    m.from = from;
    m.to = agent;
    m.type = "nudge";
    m.subject = "nudge";
    m.body = text;
    QueuedNudge q;
    q.events_before = tx.events().max_id();
    q.message_id = tx.mail().insert(m);
    return q;
  });
}

}  // namespace drover::cli
