#pragma once
// Deterministic urn:uuids for the resources of one record revision (DESIGN.md §6).
//
// The same (facility, record id, revision, resource name) always yields the same uuid, so a
// re-map after a crash produces a byte-identical bundle and delivery can match the
// transaction-response to what it stored; a new revision gets fresh uuids.
//
// Name-based: SHA-256 over the length-prefixed parts, first 16 bytes, with the RFC 4122 variant
// bits (10xx) and version nibble 5 set, so the result passes any UUID syntax check. (RFC 9562
// would call a SHA-256 name-based uuid version 8; version 5 is kept for the widest tooling
// acceptance, and nothing parses the version back.)

#include <string>
#include <string_view>

namespace ilp::mappers {

class UrnFactory {
 public:
  UrnFactory(std::string_view facility_key, std::string_view record_id, int revision);

  // "urn:uuid:xxxxxxxx-xxxx-5xxx-yxxx-xxxxxxxxxxxx" for a resource name ("encounter",
  // "diagnosis.0").
  std::string urn(std::string_view resource_name) const;

 private:
  std::string prefix_;  // the length-prefixed (facility, record, revision) parts
};

}  // namespace ilp::mappers
