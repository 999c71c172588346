#include "support/tmux.h"

#include <doctest/doctest.h>

#include <cstdlib>
#include <filesystem>

#include "support/command.h"

namespace e2e {

namespace {

std::string sh_quote(const std::string& s) {
  std::string out = "'";
  for (char c : s) out += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return out + "'";
}

}  // namespace

bool tmux_available() { return std::system("command -v tmux >/dev/null 2>&1") == 0; }

TmuxPane::TmuxPane(const TempProject& p, const std::string& shell_command, int width, int height)
    : socket_((p.root() / "tmux.sock").string()) {
  std::string env;
  for (const auto& [k, v] : p.agent_env()) env += k + "=" + sh_quote(v) + " ";
  env += "LANG=C.UTF-8 LC_ALL=C.UTF-8 ";
  std::string cmd = "cd " + sh_quote(p.root().string()) + " && " + env + "exec /bin/sh -c " +
                    sh_quote(shell_command);
  Run r = command({"tmux", "-S", socket_, "-f", "/dev/null", "new-session", "-d", "-s", "view",
                   "-x", std::to_string(width), "-y", std::to_string(height), cmd});
  INFO("tmux new-session: " << r.err);
  REQUIRE(r.code == 0);
}

TmuxPane::~TmuxPane() {
  command({"tmux", "-S", socket_, "kill-server"});
  std::error_code ec;
  std::filesystem::remove(socket_, ec);
}

std::vector<std::string> TmuxPane::tmux(std::vector<std::string> args) const {
  args.insert(args.begin(), {"tmux", "-S", socket_});
  return args;
}

std::string TmuxPane::screen() const {
  return command(tmux({"capture-pane", "-p", "-t", "view"})).out;
}

bool TmuxPane::wait_for(const std::string& text, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return contains(screen(), text); }, timeout);
}

bool TmuxPane::wait_gone(const std::string& text, std::chrono::milliseconds timeout) const {
  return wait_until([&] { return !contains(screen(), text); }, timeout);
}

void TmuxPane::keys(const std::vector<std::string>& keys) const {
  for (const auto& k : keys) REQUIRE(command(tmux({"send-keys", "-t", "view", k})).code == 0);
}

void TmuxPane::text(const std::string& literal) const {
  REQUIRE(command(tmux({"send-keys", "-t", "view", "-l", literal})).code == 0);
}

void TmuxPane::resize(int width, int height) const {
  REQUIRE(command(tmux({"resize-window", "-t", "view", "-x", std::to_string(width), "-y",
                        std::to_string(height)}))
              .code == 0);
}

std::string TmuxPane::format(const std::string& fmt) const {
  std::string out = command(tmux({"display-message", "-p", "-t", "view", fmt})).out;
  while (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

}  // namespace e2e
