#pragma once
// The turns repository: one row per child process run.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace SQLite {
class Database;
}

namespace drover::store {

struct TurnRecord {
  std::int64_t id = 0;
  std::string agent;
  std::string started_at;
  std::optional<std::string> ended_at;
  std::optional<std::string> outcome;  // see core/settle.h TurnOutcome names
  std::optional<std::int64_t> exit_code;
  std::optional<std::int64_t> signal;
  std::optional<std::int64_t> duration_ms;
  std::optional<double> cost_usd;
  std::optional<std::int64_t> input_tokens;
  std::optional<std::int64_t> output_tokens;
  std::optional<std::int64_t> pid;
  std::optional<std::string> resume_id;   // the session id the turn was started with
  std::optional<std::string> session_id;  // the session id it reported
  std::optional<std::string> detail;      // result text or failure description
  std::int64_t mail_mark = 0;             // highest message id when the turn began
};

class Turns {
 public:
  explicit Turns(SQLite::Database& db) : db_(db) {}

  std::int64_t create(std::string_view agent, const std::string& started_at,
                      const std::optional<std::string>& resume_id, std::int64_t mail_mark);
  void set_pid(std::int64_t id, std::int64_t pid);
  // Writes the end columns (ended_at, outcome, exit/signal, duration, cost, tokens,
  // session_id, detail) from `end`.
  void finish(const TurnRecord& end);
  std::optional<TurnRecord> get(std::int64_t id);
  // Newest first.
  std::vector<TurnRecord> recent(std::string_view agent, int limit);
  // Turns that never ended (ended_at IS NULL).
  std::vector<TurnRecord> unfinished();

 private:
  SQLite::Database& db_;
};

}  // namespace drover::store
