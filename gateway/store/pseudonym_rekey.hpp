#pragma once
// Schema 4 (issue 14): patient keys and NIK → IHS cache keys were bare SHA-256 of the NIK,
// which anyone can reverse by hashing every NIK. This step, inside migrate_schema()'s
// transaction, rewrites every stored patient_key as a keyed pseudonym.

#include "gateway/store/sqlite_db.hpp"
#include "mappers/pseudonym.hpp"

namespace ilp::gateway::store {

// Where a record's stored input still names the patient (not yet pruned), the new key is
// computed from that identity, exactly as ingest now computes it, so later records of the
// patient line up behind the pending ones. The candidate is accepted only when its old
// SHA-256 equals the stored key: no guess is ever written. Every other key becomes the
// pseudonym of the old hash, one-to-one, so records that shared a key still share one.
// Returns how many distinct keys were recomputed from the input.
int rekey_patient_keys(SqliteDb& db, const mappers::Pseudonymizer& pseudonym);

// FHIR pass-through record ids made from a person identifier ("system|sha256:<hex>") become
// "system|hmac:<pseudonym>" as ingest now makes them: from the stored input where it still
// holds the value (so a resubmission stays the same record), else from the old hash.
// Returns how many were recomputed from the input.
int rekey_person_record_ids(SqliteDb& db, const mappers::Pseudonymizer& pseudonym);

}  // namespace ilp::gateway::store
