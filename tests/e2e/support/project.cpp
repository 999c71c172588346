#include "support/project.h"

#include <doctest/doctest.h>
#include <unistd.h>

#include <cstdlib>
#include <fstream>
#include <sstream>

namespace e2e {

namespace fs = std::filesystem;

TempProject::TempProject() {
  std::string tmpl = (fs::temp_directory_path() / "drover-e2e-XXXXXX").string();
  char* dir = ::mkdtemp(tmpl.data());
  REQUIRE(dir != nullptr);
  root_ = fs::canonical(dir);
  if (!on_postgresql()) return;
  pg_ = std::make_unique<PgSchema>();
  if (const char* outer = std::getenv("DROVER_STORE")) outer_store_ = outer;
  ::setenv("DROVER_STORE", pg_->uri().c_str(), 1);
}

TempProject::~TempProject() {
  std::error_code ec;
  // Never leave a supervisor (or its agents) behind a test.
  if (fs::exists(root_ / ".drover/supervisor.lock", ec)) (void)drover({"down", "--now"});
  fs::remove_all(root_, ec);
  if (!pg_) return;
  pg_.reset();
  if (outer_store_) ::setenv("DROVER_STORE", outer_store_->c_str(), 1);
  else ::unsetenv("DROVER_STORE");
}

Run TempProject::drover(const std::vector<std::string>& args, const RunOptions& o) const {
  std::vector<std::string> argv{drover_bin()};
  argv.insert(argv.end(), args.begin(), args.end());
  RunOptions opts = o;
  if (opts.cwd.empty()) opts.cwd = root_;
  if (pg_ && !opts.env.count("DROVER_STORE")) opts.env["DROVER_STORE"] = pg_->uri();
  return command(argv, opts);
}

void TempProject::init() const {
  Run r = drover({"init"});
  INFO(r.err);
  REQUIRE(r.code == 0);
}

void TempProject::init_scripted(const std::string& extra_toml) const {
  init();
  fs::create_directories(record_dir());
  std::string cfg = read_text(root_ / ".drover/config.toml");
  auto pos = cfg.find("runtime = \"claude\"");
  REQUIRE(pos != std::string::npos);
  cfg.replace(pos, std::string("runtime = \"claude\"").size(), "runtime = \"scripted\"");
  cfg += "\n[runtimes.scripted]\ncommand = [\"" + agent_bin() +
         "\"]\nmodel_args = [\"--model\", \"{model}\"]\n"
         "resume_args = [\"--resume\", \"{session_id}\"]\n";
  // Appending a [turn] or [supervisor] table twice would be a TOML error: callers pass
  // keys for those tables as "turn.stall_timeout = ..." lines, spliced in place here.
  std::size_t start = 0;
  while (start < extra_toml.size()) {
    auto nl = extra_toml.find('\n', start);
    std::string line =
        extra_toml.substr(start, nl == std::string::npos ? std::string::npos : nl - start);
    start = nl == std::string::npos ? extra_toml.size() : nl + 1;
    auto dot = line.find('.');
    auto eq = line.find('=');
    if (line.empty() || dot == std::string::npos || eq == std::string::npos || dot > eq) continue;
    std::string table = line.substr(0, dot),
                key = line.substr(dot + 1, line.find_first_of(" =", dot) - dot - 1);
    std::string header = "[" + table + "]\n";
    auto h = cfg.find(header);
    REQUIRE(h != std::string::npos);
    auto k = cfg.find("\n" + key + " ", h);
    REQUIRE(k != std::string::npos);
    auto end = cfg.find('\n', k + 1);
    cfg.replace(k + 1, end - k - 1, key + " =" + line.substr(eq + 1));
  }
  write_text(root_ / ".drover/config.toml", cfg);
}

std::map<std::string, std::string> TempProject::agent_env() const {
  const char* path = std::getenv("PATH");
  std::string bin_dir = fs::path(drover_bin()).parent_path().string();
  std::map<std::string, std::string> env{{"PATH", bin_dir + ":" + (path ? path : "/usr/bin:/bin")},
                                         {"FIXTURE_RECORD_DIR", record_dir().string()}};
  if (pg_) env["DROVER_STORE"] = pg_->uri();
  return env;
}

void init_without_autostart(const TempProject& p) {
  p.init();
  write_text(p.root() / ".drover/config.toml", "[supervisor]\nautostart = false\n");
}

void init_for_manual_turns(const TempProject& p, const std::string& extra_toml) {
  p.init_scripted("supervisor.autostart = false\n" + extra_toml);
}

RunOptions agent_opts(const TempProject& p) {
  RunOptions o;
  o.env = p.agent_env();
  return o;
}

Run run(const TempProject& p, const std::vector<std::string>& args) {
  return p.drover(args, agent_opts(p));
}

Run ok(const TempProject& p, const std::vector<std::string>& args) {
  Run r = run(p, args);
  INFO("drover " << args.at(0) << "\nstdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return r;
}

std::string read_text(const fs::path& p) {
  std::ifstream f(p, std::ios::binary);
  std::stringstream ss;
  ss << f.rdbuf();
  return ss.str();
}

void write_text(const fs::path& p, const std::string& text) {
  std::ofstream f(p, std::ios::binary);
  f << text;
}

std::string git(const TempProject& p, std::vector<std::string> args,
                const std::filesystem::path& cwd) {
  args.insert(args.begin(), "git");
  RunOptions o;
  o.cwd = cwd.empty() ? p.root() : cwd;
  Run r = command(args, o);
  INFO("git " << args[1] << ": " << r.err);
  REQUIRE(r.code == 0);
  while (!r.out.empty() && (r.out.back() == '\n' || r.out.back() == ' ')) r.out.pop_back();
  return r.out;
}

bool branch_exists(const TempProject& p, const std::string& branch) {
  RunOptions o;
  o.cwd = p.root();
  return command({"git", "show-ref", "--verify", "--quiet", "refs/heads/" + branch}, o).code == 0;
}

}  // namespace e2e
