#include "supervisor/store_wake.h"

#include "store/commit_watch.h"
#include "store/store.h"

namespace drover::supervisor {

namespace asio = boost::asio;

StoreWake::StoreWake(asio::io_context& io, Millis every, std::function<void()> on_commit)
    : io_(io), every_(every), on_commit_(std::move(on_commit)), hold_(io) {}

StoreWake::~StoreWake() { stop(); }

bool StoreWake::start(const store::Store& st) {
  if (!store::is_postgresql_uri(st.path().native())) return false;
  watch_ = store::watch_commits(st);
  int fd = watch_->fd();
  if (fd < 0) {
    watch_.reset();
    return false;
  }
  socket_ = std::make_unique<asio::posix::stream_descriptor>(io_, fd);
  await();
  return true;
}

void StoreWake::stop() {
  boost::system::error_code ec;
  hold_.cancel();
  if (socket_) {
    socket_->cancel(ec);
    (void)socket_->release();  // the descriptor is libpq's connection
    socket_.reset();
  }
  watch_.reset();
}

void StoreWake::await() {
  socket_->async_wait(asio::posix::stream_descriptor::wait_read,
                      [this](boost::system::error_code ec) {
                        if (ec || !watch_) return;
                        watch_->drain();
                        if (watch_->fd() < 0) return stop();  // the connection broke: poll only
                        if (holding_) missed_ = true;
                        else {
                          holding_ = true;
                          on_commit_();
                          hold_.expires_after(every_);
                          hold_.async_wait([this](boost::system::error_code e) {
                            if (e) return;
                            holding_ = false;
                            if (missed_) {
                              missed_ = false;
                              on_commit_();
                            }
                          });
                        }
                        await();
                      });
}

}  // namespace drover::supervisor
