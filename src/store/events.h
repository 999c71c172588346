#pragma once
// The events repository: the timeline `drover log` shows (SPEC §8 events table).
#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace drover::store {

class Connection;

struct EventRecord {
  std::int64_t id = 0;
  std::string agent;
  std::optional<std::int64_t> turn;
  std::string created_at;
  std::string kind;
  std::string level;  // debug|info|warn|error
  std::string data;   // JSON object text
};

// Which agents' events a feed shows: empty lists match everything; both given → both hold.
struct EventFilter {
  std::vector<std::string> agents;
  std::vector<std::string> capabilities;  // of the agent's session
};

class Events {
 public:
  explicit Events(Connection& db) : db_(db) {}

  // created_at: the time to record (a batch of events is stamped once); empty: now.
  std::int64_t add(std::string_view agent, std::optional<std::int64_t> turn, std::string_view kind,
                   std::string_view level, std::string_view data_json,
                   std::string_view created_at = {});
  // The same without reading the new id back (no RETURNING): the streamed events of running
  // turns, written in batches (runner/event_batch.h). created_at must be given.
  void append(std::string_view agent, std::optional<std::int64_t> turn, std::string_view kind,
              std::string_view level, std::string_view data_json, std::string_view created_at);
  // Oldest first, id > after_id, optionally one turn only; limit 0 = all.
  std::vector<EventRecord> for_agent(std::string_view agent, std::optional<std::int64_t> turn,
                                     std::int64_t after_id, int limit);
  // All of them (after_id 0, no limit) handed to `fn` one at a time as SQLite reads them,
  // in one record reused from row to row (valid only during the call): `log AGENT` in
  // constant memory. Returns how many.
  std::int64_t for_each_of_agent(std::string_view agent, std::optional<std::int64_t> turn,
                                 const std::function<void(const EventRecord&)>& fn);
  // Every agent's events matching `filter`, oldest first, id > after_id, at most `limit`
  // (> 0). Served by the primary key (and sessions' primary key for capabilities).
  std::vector<EventRecord> feed(const EventFilter& filter, std::int64_t after_id, int limit);
  // The newest `count` events matching `filter`, oldest first: where a feed that shows the
  // recent past starts.
  std::vector<EventRecord> feed_tail(const EventFilter& filter, int count);
  // The agent's newest `limit` events, oldest first (the end of its timeline), read
  // backwards through events_agent.
  std::vector<EventRecord> latest_for_agent(std::string_view agent, int limit);
  // The newest event of every agent that has a session (agents without events are left
  // out), in session-name order: one events_agent seek per session, never a scan of the
  // events table (the live view reads this on every redraw).
  std::vector<EventRecord> latest_per_session();
  // The SQL latest_per_session runs (tests check its query plan).
  static const char* latest_per_session_sql();
  // The newest event id (0 when there are none): where a follower starts.
  std::int64_t max_id();
  // The agent's newest event of `kind` (its last `result`, for `drover report`).
  std::optional<EventRecord> last_of_kind(std::string_view agent, std::string_view kind);
  // Events of one kind for an agent (for tests and status).
  int count(std::string_view agent, std::string_view kind);

 private:
  Connection& db_;
};

}  // namespace drover::store
