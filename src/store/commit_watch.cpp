#include "store/commit_watch.h"

#include <poll.h>

#include <string>
#include <thread>

#include "os/file_watch.h"
#include "store/pg_db.h"
#include "store/pg_lib.h"
#include "store/store.h"

namespace drover::store {

namespace {

class SignalFileWatch final : public CommitWatch {
 public:
  explicit SignalFileWatch(const std::filesystem::path& db) : watch_(commit_signal_path(db)) {}
  bool wait(std::chrono::milliseconds timeout) override { return watch_.wait(timeout); }
  int fd() const override { return watch_.fd(); }
  void drain() override { watch_.drain(); }

 private:
  os::FileWatch watch_;
};

class PgCommitWatch final : public CommitWatch {
 public:
  explicit PgCommitWatch(const std::string& uri) {
    try {
      conn_ = std::make_unique<PgConnection>(uri);
      schema_ = current_schema();
      conn_->exec(std::string("LISTEN ") + kPgCommitChannel);
    } catch (const std::exception&) {
      conn_.reset();  // inert: the caller polls
    }
  }

  bool wait(std::chrono::milliseconds timeout) override {
    const int socket = fd();
    if (socket < 0) {
      std::this_thread::sleep_for(timeout);
      return false;
    }
    const auto deadline = std::chrono::steady_clock::now() + timeout;
    for (;;) {
      auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
          deadline - std::chrono::steady_clock::now());
      pollfd p{socket, POLLIN, 0};
      if (left.count() <= 0 || ::poll(&p, 1, static_cast<int>(left.count())) <= 0) return false;
      if (consume()) return true;
      if (fd() < 0) return false;  // the connection broke: inert from now on
    }
  }

  int fd() const override { return conn_ ? pg_lib().socket(conn_->handle()) : -1; }
  void drain() override { (void)consume(); }

 private:
  std::string current_schema() {
    auto q = conn_->prepare("SELECT coalesce(current_schema(), '')");
    q->step();
    return std::string(q->text(0));
  }

  // Reads what the server sent; whether a notification of our schema's commits was in it.
  bool consume() {
    if (!conn_) return false;
    const auto& pq = pg_lib();
    if (pq.consume_input(conn_->handle()) == 0) {
      conn_.reset();
      return false;
    }
    bool ours = false;
    while (PGnotify* n = pq.notifies(conn_->handle())) {
      if (n->extra != nullptr && schema_ == n->extra) ours = true;
      pq.freemem(n);
    }
    return ours;
  }

  std::unique_ptr<PgConnection> conn_;
  std::string schema_;
};

}  // namespace

std::unique_ptr<CommitWatch> watch_commits(const Store& store) {
  if (is_postgresql_uri(store.path().native()))
    return std::make_unique<PgCommitWatch>(store.path().native());
  return std::make_unique<SignalFileWatch>(store.path());
}

}  // namespace drover::store
