#include "gateway/validation/messages.hpp"

#include <string>

namespace ilp::validation::msg {

namespace {
std::string q(std::string_view s) { return "\"" + std::string(s) + "\""; }

// How each FHIR primitive is written, for the "bad format" text.
std::string_view form_of(std::string_view type) {
  if (type == "date") return "YYYY, YYYY-MM atau YYYY-MM-DD";
  if (type == "dateTime") return "YYYY-MM-DDThh:mm:ss+zz:zz";
  if (type == "instant") return "YYYY-MM-DDThh:mm:ss+zz:zz";
  if (type == "time") return "hh:mm:ss";
  if (type == "id") return "A-Z a-z 0-9 - . (1-64)";
  if (type == "code") return "tanpa spasi di awal/akhir / no leading or trailing spaces";
  if (type == "uri" || type == "url" || type == "canonical") return "tanpa spasi / no spaces";
  if (type == "oid") return "urn:oid:1.2.3";
  if (type == "uuid") return "urn:uuid:xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx";
  if (type == "base64Binary") return "base64";
  return "";
}
}  // namespace

Text bad_json(simdjson::error_code err, std::size_t max_depth) {
  if (err == simdjson::DEPTH_ERROR) {
    return {"JSON bersarang terlalu dalam (lebih dari " + std::to_string(max_depth) + " tingkat).",
            "The JSON is nested too deeply (more than " + std::to_string(max_depth) + " levels)."};
  }
  if (err == simdjson::UTF8_ERROR) {
    return {"Teks bukan UTF-8 yang valid.", "The text is not valid UTF-8."};
  }
  if (err == simdjson::NUMBER_ERROR) {
    return {"Ada angka yang tidak valid atau di luar jangkauan.",
            "A number is malformed or out of range."};
  }
  const std::string detail = simdjson::error_message(err);
  return {"JSON tidak valid (" + detail + ").", "The JSON is malformed (" + detail + ")."};
}

Text too_large(std::size_t max_bytes) {
  return {"Dokumen melebihi " + std::to_string(max_bytes) + " byte.",
          "The document exceeds " + std::to_string(max_bytes) + " bytes."};
}

Text resource_not_object() {
  return {"Resource FHIR harus berupa objek JSON.", "A FHIR resource must be a JSON object."};
}

Text resource_type_missing() { return {"resourceType wajib diisi.", "resourceType is required."}; }

Text resource_type_unknown(std::string_view type) {
  return {"resourceType " + q(type) + " bukan jenis resource FHIR R4.",
          "resourceType " + q(type) + " is not a FHIR R4 resource type."};
}

Text empty_object() {
  return {"Objek kosong tidak boleh dikirim; hapus elemen ini.",
          "Empty objects are not allowed; leave the element out."};
}

Text empty_array(std::string_view key) {
  return {"Daftar " + q(key) + " kosong; hapus elemen ini atau isi.",
          "The list " + q(key) + " is empty; leave it out or fill it."};
}

Text null_value() {
  return {"Nilai null tidak boleh dikirim; hapus elemen ini.",
          "null is not allowed; leave the element out."};
}

Text unknown_element(std::string_view key, std::string_view where) {
  return {"Elemen " + q(key) + " tidak dikenal pada " + std::string(where) + ".",
          "Unknown element " + q(key) + " in " + std::string(where) + "."};
}

Text duplicate_key(std::string_view key) {
  return {"Elemen " + q(key) + " muncul dua kali dalam satu objek.",
          "The element " + q(key) + " appears twice in one object."};
}

Text choice_collision(std::string_view element) {
  return {"Elemen " + std::string(element) + "[x] hanya boleh diisi dengan satu jenis nilai.",
          "The element " + std::string(element) + "[x] takes only one type of value."};
}

Text required(std::string_view element) {
  return {"Elemen " + q(element) + " wajib diisi.", "The element " + q(element) + " is required."};
}

Text not_an_array(std::string_view key) {
  return {"Elemen " + q(key) + " hanya satu nilai, bukan daftar.",
          "The element " + q(key) + " takes a single value, not a list."};
}

Text array_expected(std::string_view key) {
  return {"Elemen " + q(key) + " harus berupa daftar (array JSON).",
          "The element " + q(key) + " must be a list (JSON array)."};
}

Text prohibited(std::string_view key) {
  return {"Elemen " + q(key) + " tidak boleh diisi.", "The element " + q(key) + " is not allowed."};
}

Text too_many(std::string_view key, int max) {
  return {"Elemen " + q(key) + " paling banyak " + std::to_string(max) + " nilai.",
          "The element " + q(key) + " takes at most " + std::to_string(max) + " values."};
}

Text expected_object() {
  return {"Nilai harus berupa objek JSON.", "The value must be a JSON object."};
}

Text expected_boolean() {
  return {"Nilai harus true atau false (tanpa tanda kutip).",
          "The value must be true or false (without quotes)."};
}

Text expected_number() {
  return {"Nilai harus berupa angka (tanpa tanda kutip).",
          "The value must be a number (without quotes)."};
}

Text expected_integer() {
  return {"Nilai harus berupa bilangan bulat (tanpa tanda kutip dan tanpa desimal).",
          "The value must be a whole number (no quotes, no decimals)."};
}

Text expected_string(std::string_view type) {
  return {"Nilai " + std::string(type) + " harus berupa teks (dalam tanda kutip).",
          "A " + std::string(type) + " value must be a string (in quotes)."};
}

Text integer_range(std::string_view type) {
  const bool positive = type == "positiveInt";
  const bool unsigned_ = type == "unsignedInt";
  const std::string range_id = positive    ? "1 sampai 2147483647"
                               : unsigned_ ? "0 sampai 2147483647"
                                           : "-2147483648 sampai 2147483647";
  const std::string range_en = positive    ? "1 to 2147483647"
                               : unsigned_ ? "0 to 2147483647"
                                           : "-2147483648 to 2147483647";
  return {"Nilai " + std::string(type) + " harus antara " + range_id + ".",
          "A " + std::string(type) + " value must be " + range_en + "."};
}

Text bad_format(std::string_view type) {
  const auto form = form_of(type);
  const std::string hint = form.empty() ? "" : " (" + std::string(form) + ")";
  return {"Format " + std::string(type) + " tidak valid" + hint + ".",
          "Not a valid " + std::string(type) + hint + "."};
}

Text not_in_valueset(std::string_view valueset) {
  // The code itself is not repeated: a badly written mapping could route free text here.
  return {"Kode tidak termasuk dalam value set " + std::string(valueset) + ".",
          "The code is not in the value set " + std::string(valueset) + "."};
}

Text no_code_from_valueset(std::string_view valueset) {
  return {
      "Kode dari value set " + std::string(valueset) + " wajib ada (binding required).",
      "A code from the value set " + std::string(valueset) + " is required (required binding)."};
}

Text string_too_long(std::size_t max_bytes) {
  return {"Teks melebihi " + std::to_string(max_bytes) + " byte.",
          "The text exceeds " + std::to_string(max_bytes) + " bytes."};
}

Text reference_target(std::string_view type) {
  return {"Referensi ke " + std::string(type) + " tidak diperbolehkan pada elemen ini.",
          "A reference to " + std::string(type) + " is not allowed here."};
}

}  // namespace ilp::validation::msg
