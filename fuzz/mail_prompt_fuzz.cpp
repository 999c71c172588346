// Fuzzes how mail becomes a turn's user text (core/mail.h, core/prompt.h). The input is a
// batch of mail: messages separated by 0x1E, each made of fields separated by 0x1F —
// body, subject, from, type, priority, id (digits). Plain text is one message's body.
//
// Properties:
//  - sort_for_delivery is a stable sort by (priority rank, id) and loses nothing;
//  - format_mail_for_turn is exactly the header's "[MAIL #<id>] From: … | Type: … |
//    Priority: … | Subject: …\n<body>" in delivery order, joined by "\n\n---\n\n";
//  - render_turn_text of a later turn is the formatted mail; of a first turn it holds
//    the task verbatim, the report command when the capability has terminal mail, and
//    ends with the carried mail other than dispatch;
//  - fill_template leaves unknown placeholders alone and replaces a known one once;
//  - user_turn_line is one NDJSON line that the stream-json mapper reads back, and the
//    text survives the round trip;
//  - normalize_payload is idempotent and one line; the vocabularies and priority_rank
//    agree with kMailTypes and kPriorities.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "check.h"
#include "core/mail.h"
#include "core/prompt.h"
#include "core/stream_json.h"

using namespace drover;
using drover::fuzz::valid_utf8;

namespace {

constexpr std::string_view kSeparator = "\n\n---\n\n";

std::vector<std::string_view> split(std::string_view s, char sep, std::size_t max_parts) {
  std::vector<std::string_view> out;
  while (out.size() + 1 < max_parts) {
    auto at = s.find(sep);
    if (at == std::string_view::npos) break;
    out.push_back(s.substr(0, at));
    s.remove_prefix(at + 1);
  }
  out.push_back(s);
  return out;
}

std::vector<MailMessage> decode(std::string_view input) {
  std::vector<MailMessage> mail;
  std::int64_t index = 0;
  for (std::string_view record : split(input, '\x1e', 8)) {
    std::vector<std::string_view> f = split(record, '\x1f', 6);
    f.resize(6);
    MailMessage m;
    m.body = f[0];
    m.subject = f[1];
    m.from = f[2].empty() ? "operator" : std::string(f[2]);
    m.to = "alice";
    if (!f[3].empty()) m.type = f[3];
    if (!f[4].empty()) m.priority = f[4];
    m.id = index + 1;
    if (!f[5].empty()) {
      m.id = 0;
      for (char c : f[5].substr(0, 12)) m.id = m.id * 10 + (c >= '0' && c <= '9' ? c - '0' : 7);
    }
    m.created_at = std::to_string(index++);  // the original position, to check stability
    mail.push_back(std::move(m));
  }
  return mail;
}

std::string expected_format(const std::vector<MailMessage>& sorted) {
  std::string out;
  for (const MailMessage& m : sorted) {
    if (!out.empty()) out += kSeparator;
    out += "[MAIL #" + std::to_string(m.id) + "] From: " + m.from + " | Type: " + m.type +
           " | Priority: " + m.priority + " | Subject: " + m.subject + "\n" + m.body;
  }
  return out;
}

void check_sort(const std::vector<MailMessage>& mail) {
  std::vector<MailMessage> sorted = mail;
  sort_for_delivery(sorted);
  FUZZ_CHECK(sorted.size() == mail.size());
  std::vector<bool> seen(mail.size());
  for (std::size_t i = 0; i < sorted.size(); ++i) {
    std::size_t origin = std::stoul(sorted[i].created_at);
    FUZZ_CHECK(origin < mail.size() && !seen[origin]);
    seen[origin] = true;
    FUZZ_CHECK(sorted[i].body == mail[origin].body && sorted[i].id == mail[origin].id);
    if (i == 0) continue;
    const MailMessage& a = sorted[i - 1];
    const MailMessage& b = sorted[i];
    int ra = priority_rank(a.priority), rb = priority_rank(b.priority);
    FUZZ_CHECK(ra < rb || (ra == rb && a.id <= b.id));
    if (ra == rb && a.id == b.id) FUZZ_CHECK(std::stoul(a.created_at) < origin);
  }
  FUZZ_CHECK(format_mail_for_turn(mail) == expected_format(sorted));
}

void check_vocabulary(const MailMessage& m) {
  bool known_type =
      std::find(std::begin(kMailTypes), std::end(kMailTypes), m.type) != std::end(kMailTypes);
  FUZZ_CHECK(validate_mail_type(m.type).ok() == known_type);
  auto p = std::find(std::begin(kPriorities), std::end(kPriorities), m.priority);
  FUZZ_CHECK(validate_priority(m.priority).ok() == (p != std::end(kPriorities)));
  int rank = priority_rank(m.priority);
  FUZZ_CHECK(rank >= 0 && rank <= 3);
  if (p != std::end(kPriorities))
    FUZZ_CHECK(rank == 3 - static_cast<int>(p - std::begin(kPriorities)));
  else FUZZ_CHECK(rank == 2);
}

bool ends_with(std::string_view s, std::string_view suffix) {
  return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

void check_prompt(const std::vector<MailMessage>& mail) {
  const MailMessage& first = mail.front();
  Session s;
  s.name = first.from;
  s.capability = first.type;
  s.task = first.body;
  if (!first.subject.empty()) s.parent = first.subject;
  Capability c;
  c.name = first.type;
  if (first.priority != "normal") c.terminal_mail = {first.priority};
  c.instructions = first.subject;

  PromptInput later{&s, &c, "/w", mail, false};
  FUZZ_CHECK(render_turn_text(later) == format_mail_for_turn(mail));

  PromptInput fresh{&s, &c, "/w", mail, true};
  std::string text = render_turn_text(fresh);
  FUZZ_CHECK(text.find(s.task) != std::string::npos);
  if (!c.terminal_mail.empty()) FUZZ_CHECK(text.find(report_command(s, c)) != std::string::npos);
  std::vector<MailMessage> rest;
  for (const MailMessage& m : mail)
    if (m.type != "dispatch") rest.push_back(m);
  if (!rest.empty())
    FUZZ_CHECK(ends_with(text, std::string(kSeparator) + format_mail_for_turn(rest)));
}

void check_template(std::string_view tmpl, const std::string& key, const std::string& value) {
  FUZZ_CHECK(fill_template(tmpl, {}) == tmpl);
  // A key replaced by its own placeholder changes nothing.
  FUZZ_CHECK(fill_template(tmpl, {{key, "{{" + key + "}}"}}) == tmpl);
  if (key.find('}') == std::string::npos)
    FUZZ_CHECK(fill_template("{{" + key + "}}", {{key, value}}) == value);
}

void check_user_line(const std::string& text) {
  std::string line = user_turn_line(text);
  FUZZ_CHECK(ends_with(line, "\n") && std::count(line.begin(), line.end(), '\n') == 1);
  std::string_view json(line.data(), line.size() - 1);
  ParsedLine as_user = parse_stream_line(json);
  FUZZ_CHECK(as_user.events.empty() && !as_user.ignored && as_user.session_id.empty());
  // A quote inside a JSON string is escaped, so this is the top-level type.
  constexpr std::string_view kUser = R"("type":"user")";
  auto at = json.find(kUser);
  FUZZ_CHECK(at != std::string_view::npos && json.find(kUser, at + 1) == std::string_view::npos);
  std::string as_assistant_line(json);
  as_assistant_line.replace(at, kUser.size(), R"("type":"assistant")");
  ParsedLine back = parse_stream_line(as_assistant_line);
  if (text.empty()) {
    FUZZ_CHECK(back.events.empty());
    return;
  }
  FUZZ_CHECK(back.events.size() == 1 && back.events[0].kind == StreamEventKind::assistant_text);
  if (valid_utf8(text)) FUZZ_CHECK(back.events[0].text == text);
}

void check_payload(std::string_view text) {
  Result<std::string> once = normalize_payload(text);
  if (!once.ok()) {
    FUZZ_CHECK(once.error().code == Errc::usage);
    return;
  }
  FUZZ_CHECK(once->find('\n') == std::string::npos);
  Result<std::string> twice = normalize_payload(*once);
  FUZZ_CHECK(twice.ok() && *twice == *once);
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view input(reinterpret_cast<const char*>(data), size);
  std::vector<MailMessage> mail = decode(input);
  for (const MailMessage& m : mail) check_vocabulary(m);
  check_sort(mail);
  check_prompt(mail);
  check_template(mail.front().body, mail.front().subject, mail.front().from);
  check_user_line(mail.front().body);
  check_payload(mail.front().body);
  return 0;
}
