#pragma once
// End-to-end helpers: temporary projects and the real drover binary as a child process.
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <functional>
#include <map>
#include <string>
#include <vector>

namespace e2e {

struct Run {
  int code = -1;
  std::string out;
  std::string err;
  nlohmann::json json() const;  // stdout parsed (fails the test if it is not one document)
};

struct RunOptions {
  std::string stdin_text;
  std::map<std::string, std::string> env;  // added to the environment
  std::filesystem::path cwd;               // default: the project root
};

// A temporary directory removed at the end of the test.
class TempProject {
 public:
  TempProject();
  ~TempProject();
  const std::filesystem::path& root() const { return root_; }

  // Runs `drover args…` in the project (cwd = root unless set).
  Run drover(const std::vector<std::string>& args, const RunOptions& o = {}) const;
  // Runs any command.
  static Run command(const std::vector<std::string>& argv, const RunOptions& o = {});
  // drover init, asserting success.
  void init() const;
  // drover init plus a [runtimes.scripted] runtime (the fixture agent, recording into
  // record_dir()) made the default, with `extra_toml` appended (e.g. a [turn] table).
  void init_scripted(const std::string& extra_toml = "") const;
  std::filesystem::path record_dir() const { return root_ / "records"; }
  // Environment for drover commands that may start a supervisor or run the agent:
  // PATH with the build directory first.
  std::map<std::string, std::string> agent_env() const;

 private:
  std::filesystem::path root_;
};

std::string drover_bin();  // $DROVER_TEST_BIN, else the drover built with the tests
std::string agent_bin();
std::string read_text(const std::filesystem::path& p);
void write_text(const std::filesystem::path& p, const std::string& text);

// Permission bits do not stop root, and the tests run as root on CI. A test about a
// directory or file drover may not write hands the tree to an unprivileged user (uid and
// gid 65534, "nobody") and runs the command as that user; as anyone else both are no-ops.
void hand_to_unprivileged(const std::filesystem::path& tree);  // chown -R when root
std::vector<std::string> as_unprivileged(std::vector<std::string> argv);  // setpriv when root

// Polls `cond` until it holds or `timeout` passes; returns whether it held.
bool wait_until(const std::function<bool()>& cond,
                std::chrono::milliseconds timeout = std::chrono::seconds(20));

}  // namespace e2e
