#include "cli/message_text.h"

namespace drover::cli {

std::string message_text(const std::vector<std::string>& words, const char* fallback) {
  std::string out;
  for (const auto& w : words) out += (out.empty() ? "" : " ") + w;
  return out.empty() ? fallback : out;
}

}  // namespace drover::cli
