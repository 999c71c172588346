// drover mail send|check|list|read|reply (SPEC §4, §6.6).
#include <CLI/CLI.hpp>
#include <algorithm>
#include <map>
#include <memory>

#include "cli/context.h"
#include "cli/mail_common.h"
#include "cli/registry.h"
#include "core/clock.h"
#include "core/duration.h"
#include "core/json_writer.h"
#include "core/mail_listing.h"
#include "core/mail_reading.h"
#include "core/names.h"
#include "store/mail.h"

namespace drover::cli {

namespace {

struct SendOptions {
  std::string to, subject;
  std::optional<std::string> body, body_file, payload, from;
  std::string stdin_marker;
  std::string type = "status", priority = "normal";
};

Status run_send(Context& ctx, const SendOptions& o) {
  if (!o.stdin_marker.empty() && o.stdin_marker != "-")
    return make_error(Errc::usage, "unexpected argument '" + o.stdin_marker +
                                       "' (use --body TEXT, --body-file F, or '-' to read stdin)");
  auto body = read_body(o.body, o.body_file, o.stdin_marker == "-");
  if (!body) return body.error();
  MailMessage m;
  m.from = o.from.value_or(Context::self_name());
  m.to = o.to;
  m.subject = o.subject;
  m.body = std::move(*body);
  m.type = o.type;
  m.priority = o.priority;
  m.payload = o.payload;
  auto ids = send_mail(ctx, m);
  if (!ids) return ids.error();
  ctx.out.document({{"ids", *ids}});
  std::string list;
  for (auto id : *ids) list += (list.empty() ? "#" : ", #") + std::to_string(id);
  ctx.out.info("sent " + list + " to " + o.to);
  return ok_status();
}

struct ReplyOptions {
  std::int64_t id = 0;
  std::optional<std::string> body, body_file, from;
  std::string stdin_marker;
  std::string type = "status", priority = "normal";
};

Status run_reply(Context& ctx, const ReplyOptions& o) {
  auto body = read_body(o.body, o.body_file, o.stdin_marker == "-");
  if (!body) return body.error();
  if (!o.body && !o.body_file && o.stdin_marker != "-")
    return make_error(Errc::usage, "a reply needs a body: --body TEXT, --body-file F or '-'");
  auto st = ctx.store();
  if (!st) return st.error();
  auto original = (*st)->read<MailMessage>([&](store::Tx& tx) -> Result<MailMessage> {
    auto m = tx.mail().get(o.id);
    if (!m)
      return make_error(Errc::not_found,
                        "no message #" + std::to_string(o.id) + " (see 'drover mail list')");
    return *m;
  });
  if (!original) return original.error();
  MailMessage m;
  m.from = o.from.value_or(Context::self_name());
  // Replying to your own message continues the conversation with its recipient.
  m.to = original->from == m.from ? original->to : original->from;
  m.subject = "Re: " + original->subject;
  m.body = std::move(*body);
  m.type = o.type;
  m.priority = o.priority;
  m.thread_id = original->thread_id.value_or(original->id);
  m.reply_to = original->id;
  auto ids = send_mail(ctx, m);
  if (!ids) return ids.error();
  ctx.out.document({{"ids", *ids}});
  ctx.out.info("sent #" + std::to_string(ids->front()) + " to " + m.to + " (reply to #" +
               std::to_string(o.id) + ")");
  return ok_status();
}

struct CheckOptions {
  std::optional<std::string> agent;
  bool mark_read = false;
};

// What reading did to each message: marked read, or left for the turn that claimed it.
struct ReadOutcome {
  std::vector<std::int64_t> marked, left_for_turn;
};

// Marks `m` read when read_mark allows it (SPEC §4: mail claimed by a turn is that turn's
// to settle); sets its read_at when it did.
void read_one(store::Tx& tx, MailMessage& m, const std::string& reader, bool for_recipient,
              const std::string& ts, ReadOutcome& out) {
  switch (read_mark(m, reader, for_recipient)) {
    case ReadMark::mark:
      if (tx.mail().mark_read_unclaimed(m.id, ts)) {
        m.read_at = ts;
        out.marked.push_back(m.id);
      }
      break;
    case ReadMark::left_for_turn: out.left_for_turn.push_back(m.id); break;
    case ReadMark::already_read:
    case ReadMark::peek: break;
  }
}

std::string id_list(const std::vector<std::int64_t>& ids) {
  std::string out;
  for (auto id : ids) out += (out.empty() ? "#" : ", #") + std::to_string(id);
  return out;
}

// One line per turn holding some of `left`: nobody but that turn marks them read.
void tell_left_for_turn(Context& ctx, const std::vector<MailMessage>& messages,
                        const std::vector<std::int64_t>& left) {
  std::map<std::int64_t, std::vector<std::int64_t>> by_turn;
  std::map<std::int64_t, std::string> agent_of;
  for (const auto& m : messages)
    if (m.claimed_turn && std::find(left.begin(), left.end(), m.id) != left.end()) {
      by_turn[*m.claimed_turn].push_back(m.id);
      agent_of[*m.claimed_turn] = m.to;
    }
  for (const auto& [turn, ids] : by_turn)
    ctx.out.info("left " + id_list(ids) + " unread: claimed by turn " + std::to_string(turn) +
                 " of " + agent_of[turn] + ", which marks " + (ids.size() == 1 ? "it" : "them") +
                 " read when it settles");
}

Status run_check(Context& ctx, const CheckOptions& o) {
  const std::string reader = Context::self_name();
  const std::string agent = o.agent.value_or(reader);
  DROVER_TRY(validate_mail_sender(agent));
  auto st = ctx.store();
  if (!st) return st.error();
  ReadOutcome done;
  auto msgs = (*st)->write<std::vector<MailMessage>>(
      [&](store::Tx& tx) -> Result<std::vector<MailMessage>> {
        done = ReadOutcome{};
        auto list = tx.mail().unread_for(agent);
        auto ts = now_timestamp();
        for (auto& m : list) read_one(tx, m, reader, o.mark_read, ts, done);
        return list;
      });
  if (!msgs) return msgs.error();
  nlohmann::json doc = {{"marked_read", done.marked}, {"left_for_turn", done.left_for_turn}};
  print_messages(ctx, *msgs, true, "no unread mail for " + agent, std::move(doc));
  if (!msgs->empty() && agent != reader && !o.mark_read)
    ctx.out.info("peeked at " + agent +
                 "'s mail: nothing marked read (--mark-read marks it read for " + agent + ")");
  tell_left_for_turn(ctx, *msgs, done.left_for_turn);
  return ok_status();
}

struct ListOptions {
  std::optional<std::string> to, from, type, since;
  bool unread = false;
  int limit = 100;
};

Status run_list(Context& ctx, const ListOptions& o) {
  store::MailFilter f;
  if (o.to) DROVER_TRY(validate_mail_sender(*o.to));
  if (o.from) DROVER_TRY(validate_mail_sender(*o.from));
  if (o.type) DROVER_TRY(validate_mail_type(*o.type));
  if (o.limit < 0) return make_error(Errc::usage, "--limit must be 0 (all) or a positive number");
  f.to = o.to;
  f.from = o.from;
  f.type = o.type;
  f.unread_only = o.unread;
  f.limit = o.limit;
  if (o.since) {
    auto d = parse_duration(*o.since);
    if (!d) return make_error(Errc::usage, "--since: " + d.error().message);
    f.since = format_timestamp(SystemClock::instance().now() - *d);
  }
  auto st = ctx.store();
  if (!st) return st.error();
  (*st)->set_page_cache_kib(store::kListingCacheKib);
  // Streamed (issue 18): each row is formatted while SQLite holds it and goes out in
  // chunks, so any number of messages lists in the memory of one chunk.
  const bool json = ctx.out.json;
  JsonWriter w;
  std::string text;
  if (json) w.begin_object().key("messages").begin_array();
  auto n = (*st)->read<std::int64_t>([&](store::Tx& tx) -> Result<std::int64_t> {
    return tx.mail().for_each(f, [&](const MailView& m) {
      if (json) {
        write_mail_json(w, m);
        ctx.out.stream(w);
      } else {
        append_mail_header(text, m);
        text += '\n';
        ctx.out.stream(text);
      }
    });
  });
  if (!n) return n.error();
  ctx.out.end_listing(w, text, *n, "no mail");
  return ok_status();
}

struct ReadOptions {
  std::int64_t id = 0;
  bool mark_read = false;
};

Status run_read(Context& ctx, const ReadOptions& o) {
  const std::string reader = Context::self_name();
  auto st = ctx.store();
  if (!st) return st.error();
  ReadOutcome done;
  auto msg = (*st)->write<MailMessage>([&](store::Tx& tx) -> Result<MailMessage> {
    done = ReadOutcome{};
    auto m = tx.mail().get(o.id);
    if (!m)
      return make_error(Errc::not_found,
                        "no message #" + std::to_string(o.id) + " (see 'drover mail list')");
    read_one(tx, *m, reader, o.mark_read, now_timestamp(), done);
    return *m;
  });
  if (!msg) return msg.error();
  ctx.out.document(message_json(*msg));
  ctx.out.data(message_human(*msg, true));
  if (read_mark(*msg, reader, o.mark_read) == ReadMark::peek)
    ctx.out.info("not marked read: it is " + msg->to + "'s mail (--mark-read marks it read for " +
                 msg->to + ")");
  tell_left_for_turn(ctx, {*msg}, done.left_for_turn);
  return ok_status();
}

void add_body_options(CLI::App* cmd, std::optional<std::string>& body,
                      std::optional<std::string>& body_file, std::string& marker) {
  cmd->add_option("--body", body, "message body");
  cmd->add_option("--body-file", body_file, "read the body from a file");
  cmd->add_option("stdin", marker, "'-' reads the body from stdin");
}

}  // namespace

void install_mail(CLI::App* mail, Context& ctx) {
  mail->require_subcommand(1);

  auto s = std::make_shared<SendOptions>();
  CLI::App* send =
      mail->add_subcommand("send", "send a message (to a name, @all, or @<capability>)");
  send->add_option("--to", s->to, "recipient: an agent, operator, @all, @<capability>")->required();
  send->add_option("--subject", s->subject, "subject line")->required();
  add_body_options(send, s->body, s->body_file, s->stdin_marker);
  send->add_option("--type", s->type, "message type (default status)");
  send->add_option("--priority", s->priority, "low, normal, high, urgent");
  send->add_option("--payload", s->payload, "JSON payload");
  send->add_option("--from", s->from, "sender (default $DROVER_AGENT, else operator)");
  on_run(send, ctx, [&ctx, s] { return run_send(ctx, *s); });

  auto c = std::make_shared<CheckOptions>();
  CLI::App* check = mail->add_subcommand(
      "check", "print unread mail; your own is marked read, another agent's only with --mark-read");
  check->add_option("--agent", c->agent, "whose mail (default $DROVER_AGENT, else operator)");
  check->add_flag("--mark-read", c->mark_read,
                  "also mark another agent's mail read (never mail a running turn holds)");
  on_run(check, ctx, [&ctx, c] { return run_check(ctx, *c); });

  auto l = std::make_shared<ListOptions>();
  CLI::App* list = mail->add_subcommand("list", "list mail, newest first (does not mark read)");
  list->add_option("--to", l->to, "only mail to this name");
  list->add_option("--from", l->from, "only mail from this name");
  list->add_flag("--unread", l->unread, "only unread mail");
  list->add_option("--type", l->type, "only this type");
  list->add_option("--since", l->since, "only mail newer than DURATION (e.g. 10m)");
  list->add_option("--limit", l->limit, "at most N messages (default 100, 0 = all)");
  on_run(list, ctx, [&ctx, l] { return run_list(ctx, *l); });

  auto rd = std::make_shared<ReadOptions>();
  CLI::App* read = mail->add_subcommand(
      "read", "print one message; marked read when it is yours, or with --mark-read");
  read->add_option("id", rd->id, "message id")->required();
  read->add_flag("--mark-read", rd->mark_read,
                 "mark another agent's message read (never mail a running turn holds)");
  on_run(read, ctx, [&ctx, rd] { return run_read(ctx, *rd); });

  auto r = std::make_shared<ReplyOptions>();
  CLI::App* reply = mail->add_subcommand("reply", "reply to a message in its thread");
  reply->add_option("id", r->id, "message id")->required();
  add_body_options(reply, r->body, r->body_file, r->stdin_marker);
  reply->add_option("--type", r->type, "message type (default status)");
  reply->add_option("--priority", r->priority, "low, normal, high, urgent");
  reply->add_option("--from", r->from, "sender (default $DROVER_AGENT, else operator)");
  on_run(reply, ctx, [&ctx, r] { return run_reply(ctx, *r); });
}

}  // namespace drover::cli
