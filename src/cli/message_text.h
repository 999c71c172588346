#pragma once
// The text of a nudge or a resume: the words given after the agent's name on the command
// line, joined by single spaces, or a default when none were given.
#include <string>
#include <vector>

namespace drover::cli {

std::string message_text(const std::vector<std::string>& words, const char* fallback);

}  // namespace drover::cli
