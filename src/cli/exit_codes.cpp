#include "cli/exit_codes.h"

namespace drover::cli {

int exit_code(Errc code) {
  switch (code) {
    case Errc::failed: return 1;
    case Errc::usage: return 2;
    case Errc::not_found: return 3;
    case Errc::conflict: return 4;
    case Errc::project: return 5;
    case Errc::resource: return 1;  // SPEC §6: "operation failed"; the message says why
  }
  return 1;
}

std::string_view error_code_name(Errc code) {
  switch (code) {
    case Errc::failed: return "failed";
    case Errc::usage: return "usage";
    case Errc::not_found: return "not_found";
    case Errc::conflict: return "conflict";
    case Errc::project: return "project";
    case Errc::resource: return "resource";
  }
  return "failed";
}

}  // namespace drover::cli
