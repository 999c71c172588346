#include "core/since.h"

#include <string>

namespace drover {

namespace {

constexpr std::string_view kSinceForms =
    "expected a date like 2026-12-01 or a duration like 90m, 2h or 3d";

Error since_error(std::string_view text, const std::string& why) {
  return make_error(Errc::usage, "--since '" + std::string(text) + "': " + why + " (" +
                                     std::string(kSinceForms) + ")");
}

bool since_digits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s)
    if (c < '0' || c > '9') return false;
  return true;
}

int since_number(std::string_view s) {
  int v = 0;
  for (char c : s) v = v * 10 + (c - '0');
  return v;
}

}  // namespace

Result<Since> parse_since(std::string_view text) {
  if (text.empty()) return since_error(text, "it is empty");
  // YYYY-MM-DD
  if (text.size() == 10 && text[4] == '-' && text[7] == '-') {
    auto y = text.substr(0, 4), m = text.substr(5, 2), d = text.substr(8, 2);
    if (!since_digits(y) || !since_digits(m) || !since_digits(d))
      return since_error(text, "not a date");
    std::chrono::year_month_day ymd{std::chrono::year{since_number(y)},
                                    std::chrono::month{static_cast<unsigned>(since_number(m))},
                                    std::chrono::day{static_cast<unsigned>(since_number(d))}};
    if (!ymd.ok()) return since_error(text, "no such day");
    return Since{ymd, std::nullopt};
  }
  if (text.back() == 'd') {
    auto n = text.substr(0, text.size() - 1);
    if (!since_digits(n)) return since_error(text, "not a number of days");
    if (n.size() > 5) return since_error(text, "too many days");
    return Since{std::nullopt, Millis(static_cast<std::int64_t>(since_number(n)) * 86'400'000)};
  }
  auto d = parse_duration(text);
  if (!d) return since_error(text, "not a date or a duration");
  return Since{std::nullopt, *d};
}

}  // namespace drover
