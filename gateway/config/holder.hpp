#pragma once
// The current configuration snapshot. Readers take a shared_ptr and keep using it for the
// whole request even if a reload swaps in a new one meanwhile.

#include <memory>
#include <mutex>

#include "gateway/config/config.hpp"

namespace ilp::gateway::config {

class Holder {
 public:
  explicit Holder(std::shared_ptr<const Config> c) : current_(std::move(c)) {}
  std::shared_ptr<const Config> get() const {
    std::lock_guard lock(mu_);
    return current_;
  }
  void set(std::shared_ptr<const Config> c) {
    std::lock_guard lock(mu_);
    current_ = std::move(c);
  }

 private:
  mutable std::mutex mu_;
  std::shared_ptr<const Config> current_;
};

}  // namespace ilp::gateway::config
