#include "gateway/ingest/envelope.hpp"

#include "mappers/json.hpp"
#include "mappers/sha256.hpp"

namespace ilp::gateway::ingest {
namespace {

constexpr std::size_t kMaxRecordIdLength = 128;

Rejection reject(int status, std::string code, std::string expression, mappers::Text text,
                 std::string diagnostics = {}) {
  Rejection r;
  r.status = status;
  r.outcome.add(std::move(code), std::move(expression), std::move(text), std::move(diagnostics));
  return r;
}

}  // namespace

Rejection json_rejection(const mappers::JsonError& e) {
  using K = mappers::JsonError::Kind;
  switch (e.kind) {
    case K::kEmpty:
      return reject(400, "structure", "",
                    {"Isi permintaan kosong; kirim satu rekam dalam JSON.",
                     "The request body is empty; send one record as JSON."});
    case K::kEncoding:
      return reject(400, "structure", "",
                    {"Teks bukan UTF-8 yang sah. Simpan/kirim data dengan pengodean UTF-8.",
                     "The text is not valid UTF-8. Send the data encoded as UTF-8."},
                    e.message);
    case K::kDuplicateKey:
      return reject(400, "structure", e.path,
                    {"Kolom \"" + e.path + "\" muncul dua kali dalam JSON. Kirim sekali saja.",
                     "Field \"" + e.path + "\" appears twice in the JSON. Send it once."},
                    e.message);
    case K::kTooDeep:
      return reject(400, "structure", e.path,
                    {"JSON terlalu dalam bersarang.", "The JSON is nested too deeply."}, e.message);
    case K::kSyntax:
      break;
  }
  return reject(400, "structure", "",
                {"JSON tidak valid (posisi " + std::to_string(e.offset) +
                     "). Periksa tanda kutip, koma dan kurung.",
                 "Invalid JSON (at offset " + std::to_string(e.offset) +
                     "). Check quotes, commas and brackets."},
                e.message);
}

std::variant<Envelope, Rejection> check_envelope(std::string_view text, const config::Config& cfg,
                                                 const config::Facility* caller, bool with_hash) {
  Envelope env;
  env.doc = std::make_shared<rapidjson::Document>();
  if (auto err = mappers::parse_json_strict(text, *env.doc)) return json_rejection(*err);
  const auto& root = *env.doc;
  if (!root.IsObject()) {
    return reject(400, "structure", "",
                  {"Rekam harus berupa objek JSON {\"kind\", \"facility\", \"record_id\", "
                   "\"data\"}.",
                   "A record must be a JSON object {\"kind\", \"facility\", \"record_id\", "
                   "\"data\"}."});
  }
  Rejection problems;
  problems.status = 400;
  for (auto it = root.MemberBegin(); it != root.MemberEnd(); ++it) {
    const std::string name = it->name.GetString();
    if (name != "kind" && name != "facility" && name != "record_id" && name != "data") {
      problems.outcome.add("structure", name,
                           {"Kolom \"" + name +
                                "\" tidak dikenal di amplop rekam. Kolom yang "
                                "dikenal: kind, facility, record_id, data.",
                            "Unknown envelope field \"" + name +
                                "\". Known fields: kind, facility, record_id, data."});
    }
  }
  auto required_string = [&](const char* field, std::string& out, std::size_t max) {
    const auto* v = mappers::member(root, field);
    if (v == nullptr || v->IsNull()) {
      problems.outcome.add("required", field,
                           {std::string("Kolom \"") + field + "\" wajib diisi.",
                            std::string("Field \"") + field + "\" is required."});
    } else if (!v->IsString() || v->GetStringLength() == 0) {
      problems.outcome.add("value", field,
                           {std::string("Kolom \"") + field +
                                "\" harus berupa teks yang tidak "
                                "kosong.",
                            std::string("Field \"") + field + "\" must be a non-empty string."});
    } else if (v->GetStringLength() > max) {
      problems.outcome.add("value", field,
                           {std::string("Kolom \"") + field + "\" terlalu panjang (maksimal " +
                                std::to_string(max) + " karakter).",
                            std::string("Field \"") + field + "\" is too long (at most " +
                                std::to_string(max) + " characters)."});
    } else {
      out.assign(v->GetString(), v->GetStringLength());
    }
  };
  std::string facility_key;
  required_string("kind", env.kind, 64);
  required_string("facility", facility_key, 128);
  required_string("record_id", env.record_id, kMaxRecordIdLength);
  env.data = mappers::member(root, "data");
  if (env.data == nullptr || env.data->IsNull()) {
    problems.outcome.add("required", "data",
                         {"Kolom \"data\" wajib diisi.", "Field \"data\" is required."});
  } else if (!env.data->IsObject()) {
    problems.outcome.add(
        "value", "data",
        {"Kolom \"data\" harus berupa objek JSON.", "Field \"data\" must be a JSON object."});
  }
  if (!problems.outcome.empty()) return problems;

  env.facility = cfg.facility(facility_key);
  if (env.facility == nullptr) {
    return reject(422, "not-found", "facility",
                  {"Fasilitas \"" + facility_key + "\" tidak terdaftar di gateway ini.",
                   "Facility \"" + facility_key + "\" is not configured on this gateway."});
  }
  if (caller != nullptr && env.facility != caller) {
    return reject(
        403, "forbidden", "facility",
        {"Kunci API ini hanya boleh mengirim rekam untuk fasilitas \"" + caller->info.key + "\".",
         "This API key may only submit records for facility \"" + caller->info.key + "\"."});
  }
  env.mapping = cfg.mappings ? cfg.mappings->find(env.kind) : nullptr;
  if (env.mapping == nullptr) {
    std::string kinds;
    if (cfg.mappings) {
      for (const auto& k : cfg.mappings->kinds()) kinds += (kinds.empty() ? "" : ", ") + k;
    }
    return reject(
        422, "not-supported", "kind",
        {"Jenis rekam \"" + env.kind + "\" tidak dikenal. Jenis yang tersedia: " + kinds + ".",
         "Unknown record kind \"" + env.kind + "\". Available kinds: " + kinds + "."});
  }
  if (with_hash) env.content_hash = mappers::content_hash(root);
  return env;
}

}  // namespace ilp::gateway::ingest
