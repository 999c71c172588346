// drover turn <agent> [--lock-timeout D]: one turn in the foreground with this process as
// the runner (SPEC §6.8), honouring the turn lock.
#include <spdlog/sinks/stdout_sinks.h>
#include <spdlog/spdlog.h>

#include <CLI/CLI.hpp>
#include <boost/asio/io_context.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/registry.h"
#include "cli/timeline.h"
#include "core/names.h"
#include "core/text.h"
#include "runner/containment.h"
#include "runner/escaping_sink.h"
#include "runner/runner.h"
#include "supervisor/recovery.h"

namespace drover::cli {

namespace {

struct TurnOptions {
  std::string agent;
  std::string lock_timeout = "60s";
};

// The runner of a foreground turn: warnings go to stderr; progress lines are printed as
// they come, or collected in `progress` for the --json document.
runner::RunnerContext foreground_runner(Context& ctx, const ProjectPaths& p, const Config& cfg,
                                        store::Store* st, nlohmann::json& progress) {
  runner::RunnerContext rc;
  rc.paths = p;
  rc.config = cfg;
  rc.store = st;
  rc.log = std::make_shared<spdlog::logger>(
      "drover", runner::escaping_sink(std::make_shared<spdlog::sinks::stderr_sink_st>()));
  rc.log->set_level(ctx.opts.quiet ? spdlog::level::err : spdlog::level::warn);
  rc.log->set_pattern("drover: %l: %v");
  auto timeline = std::make_shared<Timeline>(ctx.out, *st, p);
  rc.on_progress = [&ctx, &progress, timeline](const runner::TurnProgress& step) {
    if (ctx.out.json) return progress.push_back(step.summary);
    store::EventRecord e;
    e.agent = step.agent;
    e.turn = step.turn_id;
    e.created_at = now_timestamp();
    e.kind = step.kind;
    e.level = step.level;
    e.data = step.data;
    ctx.out.info(timeline->line(e));
  };
  return rc;
}

Status report_turn(Context& ctx, const std::string& agent,
                   const std::optional<runner::TurnReport>& report,
                   const nlohmann::json& progress) {
  if (!report)
    return make_error(Errc::failed, "the turn of '" + agent + "' ended without a report");
  if (!report->settled)
    return make_error(Errc::failed, "turn " + std::to_string(report->turn_id) +
                                        " could not be settled: " + report->reason);
  bool good = report->outcome == TurnOutcome::completed || report->outcome == TurnOutcome::waiting;
  // --json prints exactly one document (SPEC §6): the report for a good turn, else the
  // error document alone (the turn row in `drover status AGENT --json` has the details).
  if (!good)
    return make_error(
        Errc::failed,
        "turn " + std::to_string(report->turn_id) + " of '" + agent + "' ended " +
            std::string(to_string(report->outcome)) +
            (report->reason.empty() ? "" : ": " + report->reason) +
            (report->state ? " (now " + std::string(to_string(*report->state)) + ")" : ""));
  ctx.out.document(
      {{"agent", agent},
       {"ran", true},
       {"turn", report->turn_id},
       {"outcome", to_string(report->outcome)},
       {"state",
        report->state ? nlohmann::json(to_string(*report->state)) : nlohmann::json(nullptr)},
       {"reason", report->reason},
       {"exit_code",
        report->exit_code ? nlohmann::json(*report->exit_code) : nlohmann::json(nullptr)},
       {"signal", report->signal ? nlohmann::json(*report->signal) : nlohmann::json(nullptr)},
       {"progress", progress}});
  return ok_status();
}

Status run_turn_cmd(Context& ctx, const TurnOptions& o) {
  DROVER_TRY(validate_agent_name(o.agent));
  auto timeout = parse_duration(o.lock_timeout);
  if (!timeout) return make_error(Errc::usage, "--lock-timeout: " + timeout.error().message);
  auto p = ctx.project();
  if (!p) return p.error();
  auto cfg = ctx.config();
  if (!cfg) return cfg.error();
  ctx.no_agent_turn_fence();
  auto st = ctx.store();
  if (!st) return st.error();
  auto host = ctx.host_id();
  if (!host) return host.error();

  nlohmann::json progress = nlohmann::json::array();
  runner::RunnerContext rc = foreground_runner(ctx, *p, *cfg, *st, progress);
  rc.host = *host;
  rc.cgroup = runner::probe_containment(*p).cgroup;  // the turn creates (and removes) it
  boost::asio::io_context io;
  std::optional<runner::TurnReport> report;
  // A turn whose runner died is recovered first, as a supervisor would: the orphan is
  // stopped, the turn interrupted, and the agent resumes in the turn run here.
  auto recovered = supervisor::recover_if_runner_died(rc, o.agent);
  if (recovered.turns_interrupted > 0)
    ctx.out.info(o.agent + ": recovered after its runner died (" +
                 std::to_string(recovered.turns_interrupted) + " turn(s) interrupted" +
                 (recovered.orphans_killed > 0 ? ", orphaned turn process killed" : "") + ")");
  runner::TurnRequest req{o.agent, true, *timeout};
  auto started = runner::start_turn(io, rc, req, [&](const runner::TurnReport& r) { report = r; });
  using Kind = runner::StartResult::Kind;
  switch (started.kind) {
    case Kind::no_work:
      ctx.out.document(
          {{"agent", o.agent}, {"ran", false}, {"reason", started.message}, {"state", nullptr}});
      ctx.out.info(o.agent + ": nothing to do (" + started.message + ")");
      return ok_status();
    case Kind::busy:
      return make_error(
          Errc::conflict,
          "agent '" + o.agent + "' is in a turn run by another process (" + started.message + ")");
    case Kind::paused: return make_error(Errc::conflict, "cannot start a turn: " + started.message);
    case Kind::spawn_failed:
      return make_error(Errc::failed,
                        "cannot start the turn of '" + o.agent + "': " + started.message);
    case Kind::deferred:
      return make_error(Errc::resource, "cannot start the turn of '" + o.agent +
                                            "' now: " + started.message +
                                            " (its mail is still pending; try again later)");
    case Kind::failed: return make_error(Errc::failed, started.message);
    case Kind::started: break;
  }
  io.run();
  return report_turn(ctx, o.agent, report, progress);
}

}  // namespace

void install_turn(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<TurnOptions>();
  cmd->add_option("agent", o->agent, "agent name")->required();
  cmd->add_option("--lock-timeout", o->lock_timeout,
                  "wait this long for a running turn (default 60s)");
  on_run(cmd, ctx, [&ctx, o] { return run_turn_cmd(ctx, *o); });
}

}  // namespace drover::cli
