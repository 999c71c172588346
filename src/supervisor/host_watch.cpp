#include "supervisor/host_watch.h"

#include <spdlog/spdlog.h>
#include <unistd.h>

#include <nlohmann/json.hpp>

#include "core/clock.h"
#include "store/events.h"
#include "store/hosts.h"
#include "store/store.h"

namespace drover::supervisor {

Status HostWatch::enter() {
  auto r = ctx_.store->write<Unit>([&](store::Tx& tx) -> Result<Unit> {
    tx.hosts().enter(ctx_.host, ::getpid(), now_timestamp(), ctx_.config.supervisor.lease.count());
    return Unit{};
  });
  if (!r) return r.error();
  last_renew_ = ctx_.clock->now();
  renewed_once_ = true;
  return ok_status();
}

void HostWatch::tick(SteadyPoint now, const std::set<std::string>& running,
                     const std::function<void(const std::string&, const std::string&)>& end_turn) {
  bool lost = false;
  const Millis lease = ctx_.config.supervisor.lease;
  if (!renewed_once_ || now - last_renew_ >= lease / 6) {
    auto renewed = ctx_.store->write<bool>(
        [&](store::Tx& tx) -> Result<bool> { return tx.hosts().renew(ctx_.host, lease.count()); });
    if (!renewed)
      ctx_.log->error("renewing the lease of host {}: {}", ctx_.host, renewed.error().message);
    else if (!*renewed) lost = true;
    else last_renew_ = now;
  }
  struct Seen {
    bool expired = false;
    std::vector<std::string> stops;
  };
  auto seen = ctx_.store->read<Seen>([&](store::Tx& tx) -> Result<Seen> {
    Seen s;
    s.expired = tx.hosts().any_expired(ctx_.host);
    if (!running.empty())
      for (auto& a : tx.hosts().stopping_in_turn())
        if (running.count(a)) s.stops.push_back(std::move(a));
    return s;
  });
  if (lost) {
    ctx_.log->error(
        "host {} was taken over by another host (its lease ran out): ending its {} running "
        "turn(s) without settling them, then entering again",
        ctx_.host, running.size());
    for (const auto& a : running) end_turn(a, "this host was taken over by another");
    if (auto st = enter(); !st)
      ctx_.log->error("re-entering host {}: {}", ctx_.host, st.error().message);
    return;
  }
  if (!seen) {
    ctx_.log->error("reading the hosts: {}", seen.error().message);
    return;
  }
  for (const auto& a : seen->stops) {
    ctx_.log->info("{}: its stop or pause --now was asked for; ending its turn", a);
    end_turn(a, "its stop or pause --now was asked for");
  }
  if (!seen->expired) return;
  auto taken = ctx_.store->write<std::vector<store::Takeover>>(
      [&](store::Tx& tx) -> Result<std::vector<store::Takeover>> {
        auto moved = tx.hosts().take_over_expired(ctx_.host, now_timestamp());
        for (const auto& t : moved)
          for (const auto& agent : t.agents) {
            auto lease_now = tx.hosts().lease_of(agent);
            nlohmann::json data = {{"host", t.host},
                                   {"taken_by", ctx_.host},
                                   {"token", lease_now ? lease_now->token : 0}};
            tx.events().add(agent, std::nullopt, "host_lost", "warn", data.dump());
          }
        return moved;
      });
  if (!taken) {
    ctx_.log->error("taking over a lost host: {}", taken.error().message);
    return;
  }
  for (const auto& t : *taken) {
    ctx_.log->warn("host {} stopped renewing its lease: took over its {} agent(s)", t.host,
                   t.agents.size());
    auto rep = recover_taken_over(ctx_, t.agents);
    ctx_.log->info("after taking over host {}: {}", t.host, summary(rep));
  }
}

}  // namespace drover::supervisor
