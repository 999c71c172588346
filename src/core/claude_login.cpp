#include "core/claude_login.h"

#include <nlohmann/json.hpp>

#include "core/text.h"

namespace drover {

namespace {

std::string cl_first_line(std::string_view text) {
  std::size_t start = 0;
  while (start < text.size()) {
    auto nl = text.find('\n', start);
    std::string_view line = text.substr(start, nl == std::string_view::npos ? nl : nl - start);
    auto b = line.find_first_not_of(" \t\r");
    if (b != std::string_view::npos) {
      auto e = line.find_last_not_of(" \t\r");
      return one_line_summary(line.substr(b, e - b + 1), 120);
    }
    if (nl == std::string_view::npos) break;
    start = nl + 1;
  }
  return "";
}

std::string cl_string(const nlohmann::json& j, const char* key) {
  auto it = j.find(key);
  return it != j.end() && it->is_string() ? escape_control(it->get<std::string>()) : "";
}

}  // namespace

bool help_lists_auth(std::string_view help) {
  std::size_t start = 0;
  while (start < help.size()) {
    auto nl = help.find('\n', start);
    std::string_view line = help.substr(start, nl == std::string_view::npos ? nl : nl - start);
    start = nl == std::string_view::npos ? help.size() : nl + 1;
    auto b = line.find_first_not_of(' ');
    if (b == 0 || b == std::string_view::npos) continue;  // commands are indented
    line.remove_prefix(b);
    if (line.rfind("auth", 0) == 0 && (line.size() == 4 || line[4] == ' ')) return true;
  }
  return false;
}

LoginVerdict judge_auth_status(int exit_code, std::string_view out, std::string_view err) {
  auto j = nlohmann::json::parse(out, nullptr, false);
  if (j.is_object() && j.contains("loggedIn") && j["loggedIn"].is_boolean()) {
    bool in = j["loggedIn"].get<bool>();
    std::string method = cl_string(j, "authMethod");
    std::string source = cl_string(j, "apiKeySource");
    std::string email = cl_string(j, "email");
    std::string detail = method.empty() || method == "none" ? "" : method;
    if (!source.empty()) detail += (detail.empty() ? "" : " ") + std::string("from ") + source;
    if (!email.empty()) detail += (detail.empty() ? "" : ", ") + email;
    if (!in) detail = "not logged in (authMethod " + (method.empty() ? "none" : method) + ")";
    return {in ? LoginState::logged_in : LoginState::not_logged_in, detail};
  }
  std::string said = cl_first_line(out);
  if (said.empty()) said = cl_first_line(err);
  if (exit_code == 0) return {LoginState::logged_in, said};
  return {LoginState::not_logged_in,
          said.empty() ? "'claude auth status' exited " + std::to_string(exit_code) : said};
}

LoginVerdict judge_credentials(const CredentialFacts& f) {
  if (f.api_key_env) return {LoginState::logged_in, "an API key is set (ANTHROPIC_API_KEY)"};
  if (f.oauth_token_env)
    return {LoginState::logged_in, "an OAuth token is set (CLAUDE_CODE_OAUTH_TOKEN)"};
  if (f.credentials_file) return {LoginState::logged_in, "credentials in " + f.credentials_path};
  return {LoginState::not_logged_in,
          "no credentials: " + f.credentials_path +
              " does not exist and neither ANTHROPIC_API_KEY nor CLAUDE_CODE_OAUTH_TOKEN is set"};
}

std::string login_fix_hint() {
  return "run `claude` once and log in with /login (or `claude auth login`), or set "
         "ANTHROPIC_API_KEY";
}

}  // namespace drover
