#pragma once
// Small helpers shared by the Foundation end-to-end tests (mail, status, CLI, bad input):
// direct database access through the sqlite3 CLI (there is no `sling` yet, so sessions
// are created as rows), counting stored mail, and output checks.
#include <doctest/doctest.h>

#include <map>
#include <string>
#include <vector>

#include "harness.h"

namespace e2e {

// RunOptions builders (designated initialisers trip -Wmissing-field-initializers).
inline RunOptions with_env(std::map<std::string, std::string> env, std::filesystem::path cwd = {}) {
  RunOptions o;
  o.env = std::move(env);
  o.cwd = std::move(cwd);
  return o;
}
inline RunOptions with_cwd(std::filesystem::path cwd) {
  RunOptions o;
  o.cwd = std::move(cwd);
  return o;
}
inline RunOptions with_stdin(std::string text) {
  RunOptions o;
  o.stdin_text = std::move(text);
  return o;
}

inline std::filesystem::path db_path(const TempProject& p) { return p.root() / ".drover/drover.db"; }

// Runs one SQL script with the sqlite3 CLI against the project database.
inline Run sql(const TempProject& p, const std::string& script) {
  Run r = TempProject::command({"sqlite3", db_path(p).string(), script});
  INFO("sqlite3: " << script << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return r;
}

// `drover init`, then autostart off: tests that create session rows by hand must not
// have `mail send` start a supervisor that would run (or stale) those agents.
inline void init_without_autostart(const TempProject& p) {
  p.init();
  write_text(p.root() / ".drover/config.toml", "[supervisor]\nautostart = false\n");
}

// Inserts a session row the way `sling` would leave it, in the given state.
inline void add_session(const TempProject& p, const std::string& name, const std::string& capability,
                        const std::string& state, const std::string& task = "") {
  sql(p, "INSERT INTO sessions (name, capability, runtime, state, created_at, last_activity, task) "
         "VALUES ('" + name + "','" + capability + "','claude','" + state +
             "','2026-01-01T00:00:00.000Z','2026-01-01T00:00:00.000Z','" + task + "')");
}

// The number of stored messages, through the CLI (`mail list --json --limit 0`).
inline std::size_t mail_count(const TempProject& p) {
  Run r = p.drover({"mail", "list", "--json", "--limit", "0"});
  INFO(r.err);
  REQUIRE(r.code == 0);
  return r.json()["messages"].size();
}

// Runs `drover mail send` and returns the ids it reports.
inline std::vector<std::int64_t> send(const TempProject& p, std::vector<std::string> args,
                                      const RunOptions& o = {}) {
  args.insert(args.begin(), {"mail", "send", "--json"});
  Run r = p.drover(args, o);
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  REQUIRE(r.code == 0);
  return r.json()["ids"].get<std::vector<std::int64_t>>();
}

inline bool contains(const std::string& haystack, const std::string& needle) {
  return haystack.find(needle) != std::string::npos;
}

inline bool has_esc(const std::string& s) { return s.find('\x1b') != std::string::npos; }

// A usage/lookup failure: the exit code, nothing on stdout, and exactly one line on
// stderr that contains `needle`.
inline void expect_one_line_error(const Run& r, int code, const std::string& needle) {
  INFO("stdout: " << r.out << "\nstderr: " << r.err);
  CHECK(r.code == code);
  CHECK(r.out.empty());
  REQUIRE_FALSE(r.err.empty());
  CHECK(r.err.back() == '\n');
  CHECK(r.err.find('\n') == r.err.size() - 1);
  CHECK(contains(r.err, needle));
}

}  // namespace e2e
