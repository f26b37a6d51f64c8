#include "tests/simulator/faults.hpp"

#include <cmath>

#include "mappers/json.hpp"

namespace ilp::sim {
namespace {

std::optional<std::string> read_number(const rapidjson::Value& v, std::string_view name,
                                       std::optional<double>& out) {
  if (!v.IsNumber()) return std::string(name) + " must be a number";
  out = v.GetDouble();
  return std::nullopt;
}

std::optional<std::string> read_int(const rapidjson::Value& v, std::string_view name,
                                    std::optional<int>& out) {
  if (!v.IsInt()) return std::string(name) + " must be an integer";
  out = v.GetInt();
  return std::nullopt;
}

}  // namespace

std::optional<std::string> parse_faults(std::string_view json, Faults& out) {
  rapidjson::Document doc;
  if (auto err = mappers::parse_json_strict(json, doc)) return "invalid JSON: " + err->message;
  if (!doc.IsObject()) return std::string("the fault set must be a JSON object");
  Faults f;
  for (auto it = doc.MemberBegin(); it != doc.MemberEnd(); ++it) {
    const std::string_view name(it->name.GetString(), it->name.GetStringLength());
    const auto& v = it->value;
    std::optional<std::string> err;
    if (v.IsNull()) continue;  // null = off, like an absent field
    if (name == "error_rate") {
      err = read_number(v, name, f.error_rate);
    } else if (name == "error_status") {
      err = read_int(v, name, f.error_status);
    } else if (name == "latency_ms") {
      err = read_int(v, name, f.latency_ms);
    } else if (name == "rate_limit_every") {
      err = read_int(v, name, f.rate_limit_every);
    } else if (name == "retry_after_s") {
      err = read_int(v, name, f.retry_after_s);
    } else if (name == "outage_for_s") {
      err = read_number(v, name, f.outage_for_s);
    } else if (name == "outage_mode") {
      const std::string mode = v.IsString() ? v.GetString()
                               : v.IsInt()  ? std::to_string(v.GetInt())
                                            : "";
      if (mode == "503") {
        f.outage_mode = OutageMode::k503;
      } else if (mode == "refuse") {
        f.outage_mode = OutageMode::kRefuse;
      } else {
        err = "outage_mode must be \"503\" or \"refuse\"";
      }
    } else if (name == "token_ttl_s") {
      err = read_int(v, name, f.token_ttl_s);
    } else if (name == "drop_after_process_rate") {
      err = read_number(v, name, f.drop_after_process_rate);
    } else {
      err = "unknown field \"" + std::string(name) + "\"";
    }
    if (err) return err;
  }
  if (auto err = check_faults(f)) return err;
  out = f;
  return std::nullopt;
}

std::optional<std::string> check_faults(const Faults& f) {
  auto rate_ok = [](const std::optional<double>& r) {
    return !r || (std::isfinite(*r) && *r >= 0.0 && *r <= 1.0);
  };
  if (!rate_ok(f.error_rate)) return std::string("error_rate must be between 0 and 1");
  if (!rate_ok(f.drop_after_process_rate)) {
    return std::string("drop_after_process_rate must be between 0 and 1");
  }
  // SATUSEHAT's own 5xx are text/plain (reference §1.4); other codes have their own faults.
  if (f.error_status && (*f.error_status < 500 || *f.error_status > 599)) {
    return std::string("error_status must be between 500 and 599");
  }
  if (f.latency_ms && (*f.latency_ms < 0 || *f.latency_ms > 600'000)) {
    return std::string("latency_ms must be between 0 and 600000");
  }
  if (f.rate_limit_every && *f.rate_limit_every < 1) {
    return std::string("rate_limit_every must be at least 1");
  }
  if (f.retry_after_s && (*f.retry_after_s < 0 || *f.retry_after_s > 86'400)) {
    return std::string("retry_after_s must be between 0 and 86400");
  }
  if (f.outage_for_s &&
      (!std::isfinite(*f.outage_for_s) || *f.outage_for_s <= 0 || *f.outage_for_s > 86'400)) {
    return std::string("outage_for_s must be more than 0 and at most 86400");
  }
  if (f.token_ttl_s && (*f.token_ttl_s < 0 || *f.token_ttl_s > 86'400)) {
    return std::string("token_ttl_s must be between 0 and 86400");
  }
  return std::nullopt;
}

void write_faults(const Faults& f, rapidjson::Value& out, rapidjson::Document::AllocatorType& a) {
  out.SetObject();
  if (f.error_rate) out.AddMember("error_rate", *f.error_rate, a);
  if (f.error_status) out.AddMember("error_status", *f.error_status, a);
  if (f.latency_ms) out.AddMember("latency_ms", *f.latency_ms, a);
  if (f.rate_limit_every) out.AddMember("rate_limit_every", *f.rate_limit_every, a);
  if (f.retry_after_s) out.AddMember("retry_after_s", *f.retry_after_s, a);
  if (f.outage_for_s) out.AddMember("outage_for_s", *f.outage_for_s, a);
  if (f.outage_mode) {
    out.AddMember("outage_mode",
                  rapidjson::StringRef(*f.outage_mode == OutageMode::kRefuse ? "refuse" : "503"),
                  a);
  }
  if (f.token_ttl_s) out.AddMember("token_ttl_s", *f.token_ttl_s, a);
  if (f.drop_after_process_rate) {
    out.AddMember("drop_after_process_rate", *f.drop_after_process_rate, a);
  }
}

}  // namespace ilp::sim
