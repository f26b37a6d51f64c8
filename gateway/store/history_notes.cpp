#include "gateway/store/history_notes.hpp"

namespace ilp::gateway::store {
namespace {

std::string with_note(std::string what, const std::string& note) {
  if (!note.empty()) what += ": " + note;
  return what;
}

}  // namespace

std::string accepted_note(const std::string& note) { return with_note("accepted", note); }

std::vector<HistoryStep> revision_history(int old_revision, Status old_status,
                                          int delivered_revision, const std::string& note) {
  std::vector<HistoryStep> out;
  const std::string old_rev = "revision " + std::to_string(old_revision);
  if (old_status == Status::kSending) {
    out.push_back({Status::kSuperseded,
                   old_rev + " superseded while being sent; its result will still be recorded"});
  } else if (old_status != Status::kDelivered) {
    out.push_back({Status::kSuperseded, old_rev + " superseded"});
  }
  const std::string new_rev = "revision " + std::to_string(old_revision + 1);
  out.push_back(
      {Status::kQueued, with_note(delivered_revision > 0 ? new_rev + " will be sent as an update"
                                                         : new_rev + " accepted",
                                  note)});
  return out;
}

}  // namespace ilp::gateway::store
