#pragma once
// The status-history notes ingest writes, the same on every store (no PHI: revisions and
// statuses only). One place, so SQLite and PostgreSQL tell IT staff the same story.

#include <string>
#include <vector>

#include "gateway/store/store.hpp"

namespace ilp::gateway::store {

struct HistoryStep {
  Status status;
  std::string note;
};

// A new record: "accepted", with the ingest note when there is one.
std::string accepted_note(const std::string& note);

// A new revision of a record whose current one is `old_revision` in `old_status`: the old one
// superseded (unless it was delivered: then the new one is an update), then the new one queued.
std::vector<HistoryStep> revision_history(int old_revision, Status old_status,
                                          int delivered_revision, const std::string& note);

}  // namespace ilp::gateway::store
