#pragma once
// What delivery tells people (last_error of a record, shown by the status API and the queue
// CLI), in Bahasa Indonesia first and English. Each text says what happened and what to do.
// None of them may carry a NIK, a name or a clinical value: they are also copied into logs.

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "mappers/outcome.hpp"

namespace ilp::gateway::delivery::msg {

using mappers::Text;

// "2024-05-01 10:32:00 UTC"
std::string utc_time(std::int64_t epoch_ms);
// "10024, 10117"
std::string join_numbers(const std::vector<int>& numbers);

// Resolution (NIK → IHS).
Text patient_not_registered(bool by_mother_nik, bool final);
Text practitioner_not_registered(bool final);
// A record that refers to an earlier one (the visit's Encounter, the pregnancy's EpisodeOfCare)
// which SATUSEHAT does not have yet.
Text earlier_record_not_delivered(std::string_view type, bool final);
// The same when this gateway holds that earlier record and SATUSEHAT refused it.
Text earlier_record_needs_correction(std::string_view type, std::string_view tracking_id,
                                     bool final);
Text several_patients_for_mother();
// After a newborn's registration got no answer (or a duplicate refusal): the platform has
// several babies for the mother's NIK and `field_path` (birth date, gender, birth order) does not
// say which one this record registered.
Text newborn_not_told_apart(std::string_view field_path);
Text still_waiting(std::int64_t until_ms);  // appended to a waiting record's text

// Credentials and tokens.
Text credentials_refused(std::string_view facility, int http_status, std::int64_t retry_at_ms);
Text login_rate_limited(std::string_view facility, std::int64_t retry_at_ms);
Text token_endpoint_unavailable(std::string_view facility, std::string_view reason,
                                std::int64_t retry_at_ms);
Text token_rejected_by_fhir(std::string_view facility);

// Platform answers.
Text validation_refused(int http_status, const std::vector<int>& rules);
Text business_rule(std::string_view facility);
Text platform_unavailable(std::string_view reason, std::int64_t next_attempt_ms);
Text maybe_delivered(std::string_view reason, std::int64_t next_attempt_ms);
Text duplicate_unresolved();
Text gave_up(int attempts, std::string_view last_reason);

// Problems on this side.
Text unknown_facility(std::string_view facility);
Text unreadable_bundle();
Text bad_platform_url(std::string_view key);
// A fault in the gateway itself ended the attempt (logged with the tracking id).
Text internal_error(std::int64_t next_attempt_ms);

}  // namespace ilp::gateway::delivery::msg
