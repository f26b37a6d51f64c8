#pragma once
// The bundle as the console shows it: NIKs and names masked on the server, so they never
// reach the browser. Masked: the value of every identifier whose system is a NIK system
// (…/nik, …/nik-ibu), NIKs inside conditional references ("Patient?identifier=…/nik|…"), the
// `name` of Patient, Practitioner and RelatedPerson resources, and the `display` of references
// to people (the patient's or practitioner's name). Codes, dates, values and structure stay:
// that is what IT staff compare with the mapping. Pure.

#include <string>
#include <string_view>

namespace ilp::gateway::api {

// "3204010101900001" → "************0001"
std::string mask_nik(std::string_view nik);

// The masked bundle (compact JSON); "" when `bundle_json` is not JSON (never shown then).
std::string mask_bundle(std::string_view bundle_json);

}  // namespace ilp::gateway::api
