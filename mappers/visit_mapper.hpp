#pragma once
// The `visit` record kind → one SATUSEHAT transaction Bundle: Encounter, an Observation per
// vital sign, a Condition per diagnosis, a Procedure per procedure (DESIGN.md §4, reference
// §4.1–4.4, §4.18).
//
// Pure and deterministic: no clock (the caller passes now_ms), no network, and urn:uuids derived
// from (facility, record id, revision, resource name), so the same input always yields a
// byte-identical bundle. All times leave in UTC "+00:00".

#include "mappers/map_result.hpp"

namespace ilp::mappers {

// Checks the input (every problem reported, with input paths like "data.patient.nik") and, only
// when it is clean, writes the bundle. Resource names: "encounter", the vital names
// ("systolic" … "waist"), "diagnosis.N", "procedure.N" (N = index in the input list).
MapResult map_visit(const MapInput& in);

}  // namespace ilp::mappers
