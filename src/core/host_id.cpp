#include "core/host_id.h"

#include "core/names.h"

namespace drover {

namespace {

bool host_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-';
}

}  // namespace

Status validate_host_id(std::string_view id) {
  bool ok = !id.empty() && id.size() <= 63 && host_char(id.front()) && id.front() != '.' &&
            id.front() != '_' && id.front() != '-';
  for (char c : id) ok = ok && host_char(c);
  if (ok) return ok_status();
  return make_error(Errc::usage, "invalid host id " + quote_for_message(id) +
                                     ": use 1-63 letters, digits, '.', '_' or '-', starting "
                                     "with a letter or digit");
}

Result<std::string> resolve_host_id(const std::optional<std::string>& flag,
                                    const std::optional<std::string>& env,
                                    const std::string& hostname) {
  if (flag) {
    if (auto v = validate_host_id(*flag); !v)
      return make_error(v.error().code, "--host: " + v.error().message);
    return *flag;
  }
  if (env && !env->empty()) {
    if (auto v = validate_host_id(*env); !v)
      return make_error(v.error().code, "DROVER_HOST: " + v.error().message);
    return *env;
  }
  if (validate_host_id(hostname)) return hostname;
  return std::string("localhost");
}

}  // namespace drover
