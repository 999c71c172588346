#pragma once
// The supervisor's event loop, run with wake-up pacing (core/wake_pacing.h): returns when
// the io_context stops or runs out of work, as io_context::run() does.
#include <cstddef>
#include <functional>

namespace boost::asio {
class io_context;
}

namespace drover::supervisor {

struct LoopRounds {
  std::size_t rounds = 0;  // times the loop woke (or found work without waiting)
  std::size_t paced = 0;   // of them, rounds after which it waited out the quantum
};

// `running` says how many turns run now; it is asked once per round of the loop.
LoopRounds run_paced(boost::asio::io_context& io, const std::function<std::size_t()>& running);

}  // namespace drover::supervisor
