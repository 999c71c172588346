#include "core/resource_errors.h"

#include <cerrno>

namespace drover {

bool is_resource_shortage(int err) {
  switch (err) {
    case EAGAIN:
#if EWOULDBLOCK != EAGAIN
    case EWOULDBLOCK:
#endif
    case EMFILE:
    case ENFILE:
    case ENOMEM: return true;
    default: return false;
  }
}

Errc errc_of_errno(int err, Errc otherwise) {
  return is_resource_shortage(err) ? Errc::resource : otherwise;
}

}  // namespace drover
