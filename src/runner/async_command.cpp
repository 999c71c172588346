// A command on the loop (runner/async_command.h): its two pipes read as they fill, its exit
// seen through its pidfd, and a deadline that kills its process group.
#include "runner/async_command.h"

#include <signal.h>

#include <array>
#include <boost/asio/posix/stream_descriptor.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <memory>
#include <string>

#include "core/duration.h"
#include "os/fd_io.h"
#include "os/process.h"

namespace drover::runner {

namespace asio = boost::asio;

namespace {

constexpr std::size_t kOutputCap = 1u << 20;  // bytes kept of each stream

class AsyncCommand final : public AsyncCommandHandle,
                           public std::enable_shared_from_this<AsyncCommand> {
 public:
  AsyncCommand(const asio::any_io_executor& ex, os::SpawnedChild child,
               std::chrono::milliseconds timeout, CommandDone done)
      : pid_(child.pid),
        out_(ex, child.stdout_fd),
        err_(ex, child.stderr_fd),
        pidfd_(ex, child.pidfd),
        deadline_(ex),
        timeout_(timeout),
        done_(std::move(done)) {}

  ~AsyncCommand() {
    if (exited_) return;
    (void)os::signal_group(pid_, SIGKILL);
    (void)os::wait_child(pid_);
  }

  void start() {
    auto self = shared_from_this();
    deadline_.expires_after(timeout_);
    deadline_.async_wait([self](boost::system::error_code ec) {
      if (ec) return;
      self->end_now("timed out after " + format_duration(self->timeout_));
    });
    read(out_, output_.out);
    read(err_, output_.err);
    wait_exit();
  }

  void cancel(const std::string& why) override {
    if (!done_ || !stopped_.empty()) return;
    end_now("stopped: " + why);
  }
  pid_t pid() const override { return pid_; }

 private:
  // The deadline or a cancel: the group is killed, and the pipes are closed now, since a
  // process outside the group (a daemon git started with setsid) may still hold them.
  void end_now(std::string why) {
    if (!exited_) {
      stopped_ = std::move(why);
      (void)os::signal_group(pid_, SIGKILL);
    }
    boost::system::error_code ignored;
    out_.close(ignored);
    err_.close(ignored);
    maybe_done();
  }

  void read(asio::posix::stream_descriptor& pipe, std::string& sink) {
    auto self = shared_from_this();
    // A buffer per pipe: both reads may be carried out in one turn of the reactor.
    auto& buf = &pipe == &out_ ? out_buf_ : err_buf_;
    pipe.async_read_some(
        asio::buffer(buf), [self, &pipe, &sink, &buf](boost::system::error_code ec, std::size_t n) {
          if (n > 0 && sink.size() < kOutputCap)
            sink.append(buf.data(), std::min(n, kOutputCap - sink.size()));
          if (!ec) return self->read(pipe, sink);
          pipe.close();  // end of file, or the pipe failed: nothing more comes from it
          self->maybe_done();
        });
  }

  void wait_exit() {
    auto self = shared_from_this();
    pidfd_.async_wait(
        asio::posix::descriptor_base::wait_read, [self](boost::system::error_code ec) {
          if (ec) return;
          auto status = os::reap_pidfd(self->pidfd_.native_handle());
          if (!status) return self->wait_exit();
          self->exited_ = true;
          self->output_.exit_code =
              status->exit_code ? *status->exit_code : 128 + status->signal.value_or(0);
          self->maybe_done();
        });
  }

  void maybe_done() {
    if (!exited_ || out_.is_open() || err_.is_open() || !done_) return;
    deadline_.cancel();
    auto done = std::move(done_);
    done_ = nullptr;
    if (!stopped_.empty()) return done(make_error(Errc::failed, stopped_));
    done(std::move(output_));
  }

  pid_t pid_;
  asio::posix::stream_descriptor out_, err_, pidfd_;
  asio::steady_timer deadline_;
  std::chrono::milliseconds timeout_;
  CommandDone done_;
  os::CommandOutput output_;
  std::array<char, 16384> out_buf_{}, err_buf_{};
  std::string stopped_;  // why it was killed before it exited (deadline or cancel)
  bool exited_ = false;
};

}  // namespace

namespace {
// A command that never started: nothing to cancel.
struct NothingToCancel final : AsyncCommandHandle {
  void cancel(const std::string&) override {}
  pid_t pid() const override { return 0; }
};
}  // namespace

std::shared_ptr<AsyncCommandHandle> run_command_async(const asio::any_io_executor& ex,
                                                      const os::SpawnRequest& request,
                                                      std::chrono::milliseconds timeout,
                                                      CommandDone done) {
  auto child = os::spawn(request);
  if (!child) {
    asio::post(ex, [done = std::move(done), e = child.error()] { done(e); });
    return std::make_shared<NothingToCancel>();
  }
  os::close_fd(child->stdin_fd);
  if (child->pidfd < 0) {  // before Linux 5.3; turns need a pidfd as well (runner/spawner.h)
    (void)os::signal_group(child->pid, SIGKILL);
    (void)os::wait_child(child->pid);
    os::close_child_fds(*child);
    asio::post(ex, [done = std::move(done)] {
      done(make_error(Errc::failed, "this kernel has no pidfd_open (Linux 5.3 or later)"));
    });
    return std::make_shared<NothingToCancel>();
  }
  auto command = std::make_shared<AsyncCommand>(ex, *child, timeout, std::move(done));
  command->start();
  return command;
}

}  // namespace drover::runner
