// drover doctor [--fix] (SPEC §6.9): checks dependencies, config, runtimes, the database
// and the files under .drover/, one line (or JSON object) per check. Exit 0 when no
// check fails (a failure --fix repaired does not count), 1 otherwise. It never needs the
// config or the database to be sound: what it cannot use it reports and works around.
#include <CLI/CLI.hpp>
#include <memory>

#include "cli/context.h"
#include "cli/doctor_checks.h"
#include "cli/registry.h"
#include "core/text.h"
#include "os/file_lock.h"
#include "store/sessions.h"
#include "store/target.h"

namespace drover::cli {

namespace {

namespace dr = drover::doctor;
namespace checks = doctor_checks;

struct DoctorOptions {
  bool fix = false;
};

nlohmann::json check_json(const dr::Check& c) {
  nlohmann::json fix = nullptr;
  if (c.fix_state != dr::FixState::none) fix = c.fix;
  return {{"name", c.name},
          {"status", std::string(dr::to_string(c.status))},
          {"message", c.message},
          {"fix", fix},
          {"fixed", c.fix_state == dr::FixState::fixed}};
}

Status run_doctor(Context& ctx, const DoctorOptions& o) {
  auto p = ctx.project();
  if (!p) return p.error();
  std::vector<dr::Check> out;
  checks::Facts f;
  f.paths = *p;
  f.fix = o.fix;

  checks::dependencies(out);
  checks::config(f.paths, f.config, out);
  std::unique_ptr<store::Store> store;
  checks::database(store::store_target(f.paths.db(), f.config.store), store, out);
  if (store) {
    auto sessions = store->read<std::vector<Session>>(
        [](store::Tx& tx) -> Result<std::vector<Session>> { return tx.sessions().list(); });
    if (sessions) f.sessions = std::move(*sessions);
    else out.push_back(dr::fail("database", "cannot list agents: " + sessions.error().message));
  }
  f.supervisor_running = os::is_locked(f.paths.supervisor_lock());
  checks::runtimes(f, out);
  checks::runtime_probes(f, out);
  checks::root_permissions(f, out);
  checks::containment(f, out);
  checks::supervisor_files(f, out);
  // turn.pid before agent directories: an orphan in a leftover directory dies first.
  checks::turn_pids(f, out);
  checks::turn_cgroups(f, out);
  checks::agent_dirs(f, out);
  checks::worktrees(f, out);
  checks::stuck_sessions(f, out);

  bool ok = dr::report_ok(out);
  nlohmann::json list = nlohmann::json::array();
  std::string text;
  for (const auto& c : out) {
    list.push_back(check_json(c));
    // -q: only what needs attention (nothing at all when every check passed).
    if (!ctx.out.quiet || c.status != dr::CheckStatus::pass || c.fix_state != dr::FixState::none)
      text += escape_control(dr::format_line(c)) + "\n";
  }
  ctx.out.document({{"checks", list}, {"ok", ok}});
  if (!ctx.out.quiet) text += dr::summary_line(out);
  if (!text.empty()) ctx.out.data(text);
  if (ok) return ok_status();
  // The report above is the whole answer (one JSON document with --json): the error
  // only carries the exit code.
  ctx.error_reported = true;
  return make_error(Errc::failed, "doctor: a check failed");
}

}  // namespace

void install_doctor(CLI::App* cmd, Context& ctx) {
  auto o = std::make_shared<DoctorOptions>();
  cmd->add_flag("--fix", o->fix,
                "repair what is safe to repair (stale files, verified orphans, leftovers)");
  on_run(cmd, ctx, [&ctx, o] { return run_doctor(ctx, *o); });
}

}  // namespace drover::cli
