// runner/live_delivery.h
#include "runner/live_delivery.h"

#include <spdlog/spdlog.h>

#include <vector>

#include "store/mail.h"
#include "store/store.h"

namespace drover::runner {

void deliver_live_mail(RunnerContext& ctx, const std::function<void(const std::string&)>& deliver) {
  auto agents = ctx.store->read<std::vector<std::string>>(
      [](store::Tx& tx) -> Result<std::vector<std::string>> {
        return tx.mail().agents_with_live_mail();
      });
  if (!agents) {
    ctx.log->error("live input: {}", agents.error().message);
    return;
  }
  for (const auto& agent : *agents) deliver(agent);
}

}  // namespace drover::runner
