#include "cli/feed.h"

#include <algorithm>
#include <chrono>
#include <set>
#include <thread>

#include "cli/timeline.h"
#include "core/suggest.h"
#include "store/commit_watch.h"
#include "store/sessions.h"
#include "store/store.h"

namespace drover::cli {

namespace {

// Rows read per query, so a long history prints in constant memory.
constexpr int kBatch = 500;
// The fallback poll: drover's commits wake the feed through the commit signal (store/store.h).
constexpr auto kFeedPoll = std::chrono::milliseconds(250);
// Reads at most this often: a swarm streaming hard is read in bursts, not per event.
constexpr auto kFeedMinGap = std::chrono::milliseconds(50);

// One line on stderr for each filter value that matches no session yet.
void warn_unmatched(Context& ctx, store::Store& st, const store::EventFilter& f) {
  auto sessions = st.read<std::vector<Session>>(
      [](store::Tx& tx) -> Result<std::vector<Session>> { return tx.sessions().list(); });
  if (!sessions) return;
  std::set<std::string> names, caps;
  for (const auto& s : *sessions) {
    names.insert(s.name);
    caps.insert(s.capability);
  }
  auto check = [&](const std::vector<std::string>& wanted, const std::set<std::string>& known,
                   const char* what) {
    for (const auto& w : wanted) {
      if (known.count(w)) continue;
      std::string line = std::string("drover: no agent ") + what + " '" + w + "' yet";
      std::vector<std::string> all(known.begin(), known.end());
      if (auto near = closest_word(w, all)) line += " (did you mean '" + *near + "'?)";
      ctx.out.warn(line + "; showing its events if one appears");
    }
  };
  check(f.agents, names, "named");
  check(f.capabilities, caps, "with capability");
}

}  // namespace

Status run_feed(Context& ctx, const FeedOptions& o) {
  auto project = ctx.project();
  if (!project) return project.error();
  auto st = ctx.store();
  if (!st) return st.error();
  warn_unmatched(ctx, **st, o.filter);
  Timeline timeline(ctx.out, **st, *project);
  nlohmann::json events = nlohmann::json::array();
  std::size_t shown = 0;
  auto show = [&](const std::vector<store::EventRecord>& batch) {
    for (const auto& e : batch) {
      ++shown;
      if (ctx.out.json)
        events.push_back(event_json(e, e.turn ? timeline.number(e.agent, *e.turn) : std::nullopt));
      else ctx.out.data(timeline.line(e));
    }
  };
  using Batch = std::vector<store::EventRecord>;
  auto read_after = [&](std::int64_t after) {
    return (*st)->read<Batch>(
        [&](store::Tx& tx) -> Result<Batch> { return tx.events().feed(o.filter, after, kBatch); });
  };

  bool follow = o.follow && !ctx.out.json;
  std::optional<int> last = o.last;
  if (follow && !last) last = kFollowBacklog;
  std::int64_t after = 0;
  if (last) {
    // The backlog, then (following) everything after the newest event there is now.
    auto tail = (*st)->read<std::pair<Batch, std::int64_t>>(
        [&](store::Tx& tx) -> Result<std::pair<Batch, std::int64_t>> {
          return std::make_pair(tx.events().feed_tail(o.filter, *last), tx.events().max_id());
        });
    if (!tail) return tail.error();
    show(tail->first);
    after = tail->second;
    if (!follow) {
      ctx.out.document({{"events", events}});
      if (shown == 0) ctx.out.info("no events yet");
      return ok_status();
    }
  }
  auto changes = store::watch_commits(**st);
  auto last_read = std::chrono::steady_clock::now() - kFeedMinGap;
  for (;;) {
    auto since = std::chrono::steady_clock::now() - last_read;
    if (since < kFeedMinGap) std::this_thread::sleep_for(kFeedMinGap - since);
    last_read = std::chrono::steady_clock::now();
    for (;;) {
      auto batch = read_after(after);
      if (!batch) return batch.error();
      show(*batch);
      if (!batch->empty()) after = batch->back().id;
      if (static_cast<int>(batch->size()) < kBatch) break;
    }
    if (!follow) break;
    changes->wait(kFeedPoll);  // until a writer commits (or the fallback poll)
  }
  ctx.out.document({{"events", events}});
  if (shown == 0) ctx.out.info("no events yet");
  return ok_status();
}

}  // namespace drover::cli
