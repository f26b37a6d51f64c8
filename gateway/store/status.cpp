#include "gateway/store/store.hpp"

namespace ilp::gateway::store {

std::string_view to_string(Status s) {
  switch (s) {
    case Status::kQueued:
      return "queued";
    case Status::kSending:
      return "sending";
    case Status::kDelivered:
      return "delivered";
    case Status::kRetrying:
      return "retrying";
    case Status::kWaiting:
      return "waiting";
    case Status::kNeedsCorrection:
      return "needs_correction";
    case Status::kSuperseded:
      return "superseded";
    case Status::kDead:
      return "dead";
  }
  return "unknown";
}

std::optional<Status> status_from_string(std::string_view s) {
  for (const Status status : kAllStatuses) {
    if (to_string(status) == s) return status;
  }
  return std::nullopt;
}

}  // namespace ilp::gateway::store
