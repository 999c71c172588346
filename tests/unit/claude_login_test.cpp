// Judging Claude Code's login from `claude --help`, `claude auth status` and its
// credentials, with outputs captured from Claude Code 2.1.197.
#include <doctest/doctest.h>

#include "core/claude_login.h"

using namespace drover;

TEST_CASE("claude login: --help that lists the auth command, and one that does not") {
  const char* with_auth =
      "Usage: claude [options] [command] [prompt]\n\n"
      "Options:\n"
      "  --disable-slash-commands              Disable all skills\n"
      "                                        apiKeySource via --settings (OAuth and\n\n"
      "Commands:\n"
      "  agents [options]                      List configured agents\n"
      "  auth                                  Manage authentication\n"
      "  setup-token                           Set up a long-lived authentication token\n";
  CHECK(help_lists_auth(with_auth));
  const char* without =
      "Usage: claude [options] [command] [prompt]\n\n"
      "Commands:\n"
      "  config                                Manage configuration\n"
      "  setup-token                           Set up a long-lived authentication token\n"
      "  authenticate-me-not                   (not the auth command)\n"
      "auth at the start of an unindented line is prose, not a command\n";
  CHECK_FALSE(help_lists_auth(without));
  CHECK_FALSE(help_lists_auth(""));
}

TEST_CASE("claude login: `claude auth status` JSON, logged out and logged in") {
  auto out = judge_auth_status(1,
                               "{\n  \"loggedIn\": false,\n  \"authMethod\": \"none\",\n"
                               "  \"apiProvider\": \"firstParty\"\n}\n",
                               "");
  CHECK(out.state == LoginState::not_logged_in);
  CHECK(out.detail == "not logged in (authMethod none)");
  auto key = judge_auth_status(0,
                               "{\n  \"loggedIn\": true,\n  \"authMethod\": \"api_key\",\n"
                               "  \"apiProvider\": \"firstParty\",\n"
                               "  \"apiKeySource\": \"ANTHROPIC_API_KEY\"\n}\n",
                               "");
  CHECK(key.state == LoginState::logged_in);
  CHECK(key.detail == "api_key from ANTHROPIC_API_KEY");
  auto oauth = judge_auth_status(
      0, R"({"loggedIn": true, "authMethod": "claude.ai", "email": "a@example.com"})", "");
  CHECK(oauth.state == LoginState::logged_in);
  CHECK(oauth.detail == "claude.ai, a@example.com");
  // The JSON wins over the exit code.
  CHECK(judge_auth_status(0, R"({"loggedIn": false})", "").state == LoginState::not_logged_in);
}

TEST_CASE("claude login: text output is judged by the exit code, with its first line") {
  auto text = judge_auth_status(
      1, "", "Additional CA cert(s): x\nNot logged in. Run claude auth login to authenticate.\n");
  CHECK(text.state == LoginState::not_logged_in);
  CHECK(text.detail == "Additional CA cert(s): x");
  CHECK(judge_auth_status(0, "Logged in as a@example.com\n", "").state == LoginState::logged_in);
  CHECK(judge_auth_status(3, "", "").detail == "'claude auth status' exited 3");
}

TEST_CASE("claude login: credentials from the environment or the credentials file") {
  CredentialFacts none;
  none.credentials_path = "/home/u/.claude/.credentials.json";
  auto v = judge_credentials(none);
  CHECK(v.state == LoginState::not_logged_in);
  CHECK(v.detail.find("/home/u/.claude/.credentials.json does not exist") != std::string::npos);
  CredentialFacts file = none;
  file.credentials_file = true;
  CHECK(judge_credentials(file).state == LoginState::logged_in);
  CredentialFacts key = none;
  key.api_key_env = true;
  CHECK(judge_credentials(key).state == LoginState::logged_in);
  CredentialFacts token = none;
  token.oauth_token_env = true;
  CHECK(judge_credentials(token).detail.find("CLAUDE_CODE_OAUTH_TOKEN") != std::string::npos);
  CHECK(login_fix_hint().find("/login") != std::string::npos);
}
