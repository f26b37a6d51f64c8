#include "gateway/util/log.hpp"

#include <mutex>

namespace ilp::gateway {

std::shared_ptr<spdlog::logger> named_logger(const std::string& name) {
  static std::mutex mu;
  std::lock_guard lock(mu);
  if (auto existing = spdlog::get(name)) return existing;
  auto created = spdlog::default_logger()->clone(name);
  try {
    spdlog::register_logger(created);
  } catch (const spdlog::spdlog_ex&) {
    // Registered meanwhile by code that does not go through this function.
    if (auto existing = spdlog::get(name)) return existing;
  }
  return created;
}

}  // namespace ilp::gateway
