#include "gateway/store/pseudonym_rekey.hpp"

#include <rapidjson/document.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "mappers/datetime.hpp"
#include "mappers/sha256.hpp"

namespace ilp::gateway::store {
namespace {

constexpr std::string_view kNikReference = "Patient?identifier=https://fhir.kemkes.go.id/id/nik|";
constexpr int kMaxDepth = 64;

std::string_view sv(const rapidjson::Value& v) { return {v.GetString(), v.GetStringLength()}; }

// What patient_key_input() may have been given for this input: envelope patient blocks
// ("nik", "mother_nik" + "birth_date", "ihs_number", whatever the block is called) and FHIR
// bodies (an identifier value, a NIK conditional reference, "Patient/<id>").
void candidates(const rapidjson::Value& v, std::vector<std::string>& out, int depth) {
  if (depth > kMaxDepth) return;
  if (v.IsArray()) {
    for (const auto& e : v.GetArray()) candidates(e, out, depth + 1);
    return;
  }
  if (!v.IsObject()) return;
  std::string_view mother;
  std::string_view birth;
  for (const auto& m : v.GetObject()) {
    if (!m.value.IsString()) {
      candidates(m.value, out, depth + 1);
      continue;
    }
    const auto name = sv(m.name);
    const auto value = sv(m.value);
    if (name == "nik" || name == "value") out.push_back("nik:" + std::string(value));
    if (name == "ihs_number" || name == "id") out.push_back("ihs:" + std::string(value));
    if (name == "mother_nik") mother = value;
    if (name == "birth_date") birth = value;
    if (name == "reference") {
      if (value.starts_with(kNikReference)) {
        auto nik = value.substr(kNikReference.size());
        out.push_back("nik:" + std::string(nik.substr(0, nik.find('&'))));
      } else if (value.starts_with("Patient/")) {
        auto id = value.substr(8);
        out.push_back("ihs:" + std::string(id.substr(0, id.find('/'))));
      }
    }
  }
  if (!mother.empty()) {
    if (auto d = mappers::parse_date(birth)) {
      out.push_back("nik-ibu:" + std::string(mother) + ":" + mappers::format_date(*d));
    }
  }
}

struct Rekey {
  const mappers::Pseudonymizer& pseudonym;
  std::unordered_map<std::string, std::string> known;  // old key → new, from the inputs

  std::string operator()(const std::string& old) const {
    if (auto it = known.find(old); it != known.end()) return it->second;
    return pseudonym("sha256:" + old);
  }
};

void rekey_function(sqlite3_context* ctx, int argc, sqlite3_value** argv) {
  const auto* rekey = static_cast<const Rekey*>(sqlite3_user_data(ctx));
  if (argc != 1 || sqlite3_value_type(argv[0]) != SQLITE_TEXT) {
    sqlite3_result_value(ctx, argv[0]);
    return;
  }
  const std::string old(reinterpret_cast<const char*>(sqlite3_value_text(argv[0])),
                        static_cast<std::size_t>(sqlite3_value_bytes(argv[0])));
  const std::string next = old.empty() ? old : (*rekey)(old);
  sqlite3_result_text(ctx, next.data(), static_cast<int>(next.size()), SQLITE_TRANSIENT);
}

}  // namespace

int rekey_patient_keys(SqliteDb& db, const mappers::Pseudonymizer& pseudonym) {
  Rekey rekey{pseudonym, {}};
  {
    // Delivered and superseded records never block anyone again; their inputs are skipped.
    auto q = db.query(
        "SELECT patient_key, input_json FROM records WHERE patient_key != '' "
        "AND status NOT IN ('delivered', 'superseded') AND input_json != ''");
    std::vector<std::string> found;
    while (q.step()) {
      auto old = q.text(0);
      if (rekey.known.contains(old)) continue;
      rapidjson::Document doc;
      const auto json = q.text(1);
      doc.Parse(json.data(), json.size());
      if (doc.HasParseError()) continue;
      found.clear();
      candidates(doc, found, 0);
      for (const auto& c : found) {
        if (mappers::sha256_hex(c) == old) {
          rekey.known.emplace(std::move(old), pseudonym(c));
          break;
        }
      }
    }
  }
  db.clear_statements();
  sqlite3* h = db.handle();
  int rc = sqlite3_create_function(h, "ilp_rekey", 1, SQLITE_UTF8, &rekey, rekey_function, nullptr,
                                   nullptr);
  if (rc != SQLITE_OK)
    throw SqliteError(rc, "cannot register ilp_rekey: " + sqlite_error_text(h, rc));
  try {
    db.exec("UPDATE records SET patient_key = ilp_rekey(patient_key) WHERE patient_key != ''");
  } catch (...) {
    sqlite3_create_function(h, "ilp_rekey", 1, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr);
    throw;
  }
  sqlite3_create_function(h, "ilp_rekey", 1, SQLITE_UTF8, nullptr, nullptr, nullptr, nullptr);
  return static_cast<int>(rekey.known.size());
}

int rekey_person_record_ids(SqliteDb& db, const mappers::Pseudonymizer& pseudonym) {
  constexpr std::string_view kMarker = "|sha256:";
  std::vector<std::pair<std::int64_t, std::string>> next;
  int recomputed = 0;
  {
    auto q = db.query(
        "SELECT seq, record_id, input_json FROM records "
        "WHERE record_id LIKE 'https://fhir.kemkes.go.id/id/%|sha256:%'");
    std::vector<std::string> found;
    while (q.step()) {
      const auto record_id = q.text(1);
      const auto at = record_id.find(kMarker);
      if (at == std::string::npos) continue;
      const auto system = std::string_view(record_id).substr(0, at);
      const auto old_hex = std::string_view(record_id).substr(at + kMarker.size());
      std::string id = std::string(system) + "|hmac:";
      bool done = false;
      const auto json = q.text(2);
      if (!json.empty()) {
        rapidjson::Document doc;
        doc.Parse(json.data(), json.size());
        found.clear();
        if (!doc.HasParseError()) candidates(doc, found, 0);
        for (const auto& c : found) {
          // candidates() prefixes identifier values with "nik:"; the record id hashed the value.
          const auto colon = c.find(':');
          const auto value = std::string_view(c).substr(colon + 1);
          if (mappers::sha256_hex(value) == old_hex) {
            id += pseudonym(mappers::person_record_id_input(system, value));
            done = true;
            ++recomputed;
            break;
          }
        }
      }
      // Pruned: the value is gone. The old hash is keyed one-to-one instead (a resubmission of
      // that resource without X-Record-Id is then a new record: docs/security.md).
      if (!done) id += pseudonym("sha256:" + std::string(old_hex));
      next.emplace_back(q.int64(0), std::move(id));
    }
  }
  for (const auto& [seq, id] : next) {
    db.query("UPDATE records SET record_id = ?2 WHERE seq = ?1").bind_all(seq, id).run();
  }
  db.clear_statements();
  return recomputed;
}

}  // namespace ilp::gateway::store
