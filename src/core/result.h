#pragma once
// Errors travel as values across module boundaries; the CLI turns an Errc into an
// exit code in exactly one place (cli/exit_codes.cpp).
#include <string>
#include <utility>
#include <variant>

namespace drover {

enum class Errc {
  failed = 1,     // the operation failed (I/O, database, child process)
  usage = 2,      // the caller asked for something malformed
  not_found = 3,  // agent, message, file
  conflict = 4,   // the state does not allow it, or a lock is held
  project = 5,    // not a drover project, or bad config
  resource = 6,   // a passing shortage of processes, file descriptors or memory: retry later
};

struct Error {
  Errc code = Errc::failed;
  std::string message;
};

inline Error make_error(Errc code, std::string message) { return Error{code, std::move(message)}; }

template <class T>
class [[nodiscard]] Result {
 public:
  Result(T value) : v_(std::move(value)) {}
  Result(Error error) : v_(std::move(error)) {}

  bool ok() const { return v_.index() == 0; }
  explicit operator bool() const { return ok(); }
  T& value() & { return std::get<0>(v_); }
  const T& value() const& { return std::get<0>(v_); }
  T&& value() && { return std::get<0>(std::move(v_)); }
  T* operator->() { return &std::get<0>(v_); }
  const T* operator->() const { return &std::get<0>(v_); }
  T& operator*() & { return std::get<0>(v_); }
  const Error& error() const { return std::get<1>(v_); }

 private:
  std::variant<T, Error> v_;
};

struct Unit {};
using Status = Result<Unit>;
inline Status ok_status() { return Unit{}; }

}  // namespace drover

// Propagate an error from an expression returning Result<...>.
#define DROVER_TRY(expr)                                   \
  do {                                                     \
    auto drover_try_r_ = (expr);                           \
    if (!drover_try_r_.ok()) return drover_try_r_.error(); \
  } while (0)
