#pragma once
// Named loggers (one per component) and masking of personal data for log lines.

#include <spdlog/spdlog.h>

#include <memory>
#include <string>
#include <string_view>

namespace ilp::gateway {

// Returns the component's logger ("ingest", "store", "delivery", "oauth", "admin", "http",
// "config", "sim"), creating it with the shared sinks on first use. Thread-safe.
std::shared_ptr<spdlog::logger> logger(const std::string& name);
inline std::shared_ptr<spdlog::logger> named_logger(const std::string& name) {
  return logger(name);
}

// Configures all loggers: level ("trace".."off") and format ("text" or "json"); json emits one
// object per line. Throws std::invalid_argument on an unknown level or format.
void configure_logging(std::string_view level, std::string_view format);

// "3204010101900001" → "3204********0001": enough for a person to match a record, never
// enough to identify one. Any run of 8+ digits is treated the same way.
std::string mask_digits(std::string_view s);

}  // namespace ilp::gateway
