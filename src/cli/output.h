#pragma once
// All printing goes through here: human text (control characters escaped, -q honoured)
// or exactly one JSON document with --json.
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>

#include "core/json_text.h"
#include "core/json_writer.h"
#include "core/mail.h"
#include "core/result.h"
#include "core/session.h"
#include "store/events.h"
#include "store/turns.h"

namespace drover::cli {

class Output {
 public:
  bool json = false;
  bool quiet = false;
  bool color = true;

  // Human-mode data (what the command was asked to show): printed unless --json.
  void data(std::string_view text) const;
  // Human-mode confirmation ("sent #3 to alice"): suppressed by -q and --json.
  void info(std::string_view text) const;
  // Human-mode problem that does not end the command ("could not stop x: …"): one line
  // on stderr unless --json (where the document carries it).
  void warn(std::string_view text) const;
  // A warning the user must see before something starts (running as root with a runtime
  // that refuses root): one line on stderr whatever the mode, -q and --json included
  // (stdout keeps its one document).
  void alert(std::string_view text) const;
  // The --json document.
  void document(const nlohmann::json& doc) const;
  // The --json document, already serialised (a JsonWriter's output).
  void document_text(std::string_view doc) const;
  // A listing streamed as it is read (issue 18): the caller appends rows to `buf` (or to
  // the writer) and calls this after each; the text goes to stdout, whatever the mode,
  // once it holds kStreamChunk bytes, and at `last` (then flushed; a JSON document also
  // gets its closing newline). Memory stays one chunk whatever the number of rows.
  static constexpr std::size_t kStreamChunk = 64 * 1024;
  void stream(std::string& buf, bool last = false) const;
  void stream(JsonWriter& w, bool last = false) const;
  // Ends such a listing: with --json the writer's array and object are closed and the
  // document goes out; in text what is left goes out, or `none` when no row came.
  void end_listing(JsonWriter& w, std::string& text, std::int64_t rows,
                   std::string_view none) const;
  // One error line on stderr, or the JSON error document on stdout with --json.
  void error(const Error& e) const;

  // ANSI styling only when color is on (NO_COLOR / --no-color / not a tty turn it off).
  std::string bold(std::string_view s) const;
  std::string dim(std::string_view s) const;
};

// Exact JSON for a message (SPEC §6 mail shape); payload parsed back to JSON.
nlohmann::json message_json(const MailMessage& m);
// Header line + escaped body for humans.
std::string message_human(const MailMessage& m, bool with_body);
// Every session column, absent values as null. write_session opens the object and leaves
// it open, so callers can add members (status adds "turn_process") before end_object().
void write_session(JsonWriter& w, const Session& s);
nlohmann::json session_json(const Session& s);
nlohmann::json turn_json(const TurnRecord& t);
// An event as `log --json` prints it: its data parsed back to JSON (kept as text when it is
// not JSON), and the agent's own number of its turn.
nlohmann::json event_json(const store::EventRecord& e, std::optional<std::int64_t> turn_number);

}  // namespace drover::cli
