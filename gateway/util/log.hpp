#pragma once
// Named spdlog loggers, one per component ("store", "ingest", "delivery", "oauth").

#include <spdlog/spdlog.h>

#include <memory>
#include <string>

namespace ilp::gateway {

// The logger registered under `name`; created on first use with the default logger's sinks and
// level when nobody registered it yet. Thread-safe.
std::shared_ptr<spdlog::logger> named_logger(const std::string& name);

}  // namespace ilp::gateway
