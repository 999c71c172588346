#include "cli/wake.h"

#include "os/wake_socket.h"

namespace drover::cli {

void notify_supervisor(Context& ctx) {
  auto p = ctx.project();
  if (!p) return;
  (void)os::poke(p->supervisor_sock());
}

}  // namespace drover::cli
