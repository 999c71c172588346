#pragma once
// Running a command as a child process and checking what it printed: any command, or the
// drover and scripted-agent binaries under test. Also polling for a condition, and running
// a command as an unprivileged user when the tests run as root.
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace e2e {

using Json = nlohmann::json;

// How long a test waits for something drover does in the background (a turn, a state).
inline constexpr std::chrono::seconds kDeadline{20};

// A finished command.
struct Run {
  int code = -1;  // exit code, or 128 + signal
  std::string out;
  std::string err;
  Json json() const;  // stdout parsed (fails the test if it is not one document)
};

struct RunOptions {
  std::string stdin_text;
  std::map<std::string, std::string> env;  // added to the environment
  std::filesystem::path cwd;               // empty: the project root (drover), inherited (command)
};
// RunOptions builders (designated initialisers trip -Wmissing-field-initializers).
RunOptions with_env(std::map<std::string, std::string> env, std::filesystem::path cwd = {});
RunOptions with_cwd(std::filesystem::path cwd);
RunOptions with_stdin(std::string text);

// Runs argv to its end, feeding stdin and collecting stdout and stderr. DROVER_AGENT and
// DROVER_PROJECT are cleared unless `o.env` sets them: tests must not inherit an agent
// identity or a project from the environment.
Run command(const std::vector<std::string>& argv, const RunOptions& o = {});

std::string drover_bin();  // $DROVER_TEST_BIN, else the drover built with the tests
std::string agent_bin();   // the scripted fixture agent built with the tests

// command(), through the peak-rss tool (e2e/tools/peak_rss.cpp): `peak_kib` gets the
// command's own peak RSS in KiB, and the tool's line is taken off the end of stderr.
// (A child of the test process itself would report the test's memory: Linux carries the
// parent's high-water mark across exec.)
Run command_measured(std::vector<std::string> argv, long& peak_kib, const RunOptions& o = {});

// Permission bits do not stop root, and the tests run as root on CI. A test about a
// directory or file drover may not write hands the tree to an unprivileged user (uid and
// gid 65534, "nobody") and runs the command as that user; as anyone else both are no-ops.
void hand_to_unprivileged(const std::filesystem::path& tree);             // chown -R when root
std::vector<std::string> as_unprivileged(std::vector<std::string> argv);  // setpriv when root

// Polls `cond` until it holds or `timeout` passes; returns whether it held.
bool wait_until(const std::function<bool()>& cond, std::chrono::milliseconds timeout = kDeadline);

bool contains(const std::string& haystack, const std::string& needle);
bool has_esc(const std::string& s);  // any ESC byte (a terminal escape)

// A usage/lookup failure: the exit code, nothing on stdout, and exactly one line on
// stderr that contains `needle`.
void expect_one_line_error(const Run& r, int code, const std::string& needle);

}  // namespace e2e
