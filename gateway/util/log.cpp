#include "gateway/util/log.hpp"

#include <spdlog/sinks/stdout_sinks.h>

#include <mutex>
#include <stdexcept>

namespace ilp::gateway {
namespace {

struct LogState {
  std::mutex mu;
  // stderr: stdout carries the "listening on" lines that scripts read.
  spdlog::sink_ptr sink = std::make_shared<spdlog::sinks::stderr_sink_mt>();
  std::string pattern = "%Y-%m-%dT%H:%M:%S.%eZ %l [%n] %v";
  spdlog::level::level_enum level = spdlog::level::info;
};

LogState& state() {
  static LogState s;
  return s;
}

}  // namespace

std::shared_ptr<spdlog::logger> logger(const std::string& name) {
  if (auto l = spdlog::get(name)) return l;
  auto& s = state();
  std::lock_guard lock(s.mu);
  if (auto l = spdlog::get(name)) return l;
  auto l = std::make_shared<spdlog::logger>(name, s.sink);
  l->set_pattern(s.pattern, spdlog::pattern_time_type::utc);
  l->set_level(s.level);
  try {
    spdlog::register_logger(l);
  } catch (const spdlog::spdlog_ex&) {
    if (auto existing = spdlog::get(name)) return existing;
  }
  return l;
}

void configure_logging(std::string_view lvl, std::string_view format) {
  auto parsed = spdlog::level::from_str(std::string(lvl));
  if (lvl == "warning") parsed = spdlog::level::warn;
  if (parsed == spdlog::level::off && lvl != "off") {
    throw std::invalid_argument("unknown log level \"" + std::string(lvl) + "\"");
  }
  std::string p;
  if (format == "text") {
    p = "%Y-%m-%dT%H:%M:%S.%eZ %l [%n] %v";
  } else if (format == "json") {
    // Log messages are written by us (ids, counts, statuses), never copied from input.
    p = R"({"time":"%Y-%m-%dT%H:%M:%S.%eZ","level":"%l","logger":"%n","msg":"%v"})";
  } else {
    throw std::invalid_argument("unknown log format \"" + std::string(format) +
                                "\" (text or json)");
  }
  auto& s = state();
  std::lock_guard lock(s.mu);
  s.pattern = p;
  s.level = parsed;
  spdlog::apply_all([&](const std::shared_ptr<spdlog::logger>& l) {
    l->set_pattern(p, spdlog::pattern_time_type::utc);
    l->set_level(parsed);
  });
}

std::string mask_digits(std::string_view s) {
  std::string out(s);
  std::size_t i = 0;
  while (i < out.size()) {
    if (out[i] >= '0' && out[i] <= '9') {
      std::size_t j = i;
      while (j < out.size() && out[j] >= '0' && out[j] <= '9') ++j;
      if (j - i >= 8) {
        for (std::size_t k = i + 4; k + 4 < j; ++k) out[k] = '*';
      }
      i = j;
    } else {
      ++i;
    }
  }
  return out;
}

}  // namespace ilp::gateway
