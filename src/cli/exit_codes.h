#pragma once
// The one place mapping error codes to process exit codes and JSON error codes (SPEC §6).
#include <string_view>

#include "core/result.h"

namespace drover::cli {

int exit_code(Errc code);
std::string_view error_code_name(Errc code);  // "failed", "usage", "not_found", …

}  // namespace drover::cli
