#include "runner/escaping_sink.h"

#include <spdlog/details/log_msg.h>
#include <spdlog/details/null_mutex.h>
#include <spdlog/sinks/base_sink.h>

#include <string>

#include "core/text.h"

namespace drover::runner {

namespace {

// The loggers are used from the one loop thread; the inner sink does its own locking.
class EscapingSink final : public spdlog::sinks::base_sink<spdlog::details::null_mutex> {
 public:
  explicit EscapingSink(spdlog::sink_ptr inner) : inner_(std::move(inner)) {}

 protected:
  void sink_it_(const spdlog::details::log_msg& msg) override {
    std::string_view payload(msg.payload.data(), msg.payload.size());
    std::string escaped = escape_control(payload);
    if (escaped == payload) return inner_->log(msg);
    spdlog::details::log_msg copy = msg;
    copy.payload = spdlog::string_view_t(escaped.data(), escaped.size());
    inner_->log(copy);
  }
  void flush_() override { inner_->flush(); }
  void set_pattern_(const std::string& pattern) override { inner_->set_pattern(pattern); }
  void set_formatter_(std::unique_ptr<spdlog::formatter> f) override {
    inner_->set_formatter(std::move(f));
  }

 private:
  spdlog::sink_ptr inner_;
};

}  // namespace

spdlog::sink_ptr escaping_sink(spdlog::sink_ptr inner) {
  return std::make_shared<EscapingSink>(std::move(inner));
}

}  // namespace drover::runner
