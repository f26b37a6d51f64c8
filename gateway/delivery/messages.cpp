#include "gateway/delivery/messages.hpp"

#include <ctime>

namespace ilp::gateway::delivery::msg {

std::string utc_time(std::int64_t epoch_ms) {
  const std::time_t t = static_cast<std::time_t>(epoch_ms / 1000);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

std::string join_numbers(const std::vector<int>& numbers) {
  std::string out;
  for (int n : numbers) {
    if (!out.empty()) out += ", ";
    out += std::to_string(n);
  }
  return out;
}

namespace {
std::string s(std::string_view v) { return std::string(v); }
}  // namespace

namespace {
// What happens next depends on whether the record still waits or was given up on.
Text next_step(Text base, bool final) {
  if (final) {
    return {base.id +
                " Setelah diperbaiki, kirim ulang rekam dari SIMPUS atau jalankan "
                "'ilp-gateway queue retry'.",
            base.en +
                " Once fixed, send the record again from SIMPUS or run "
                "'ilp-gateway queue retry'."};
  }
  return {base.id + " Gateway akan mengecek ulang secara otomatis.",
          base.en + " The gateway re-checks automatically."};
}
}  // namespace

Text patient_not_registered(bool by_mother_nik, bool final) {
  if (by_mother_nik) {
    return next_step(
        {"Bayi dengan NIK ibu ini belum terdaftar di SATUSEHAT. Daftarkan bayi (record "
         "'patient' dengan NIK ibu) atau kirim ulang dengan NIK/nomor IHS bayi.",
         "No newborn with this mother's NIK is registered in SATUSEHAT. Register the baby "
         "(a 'patient' record with the mother's NIK) or resend with the baby's NIK or IHS "
         "number."},
        final);
  }
  return next_step({"Pasien dengan NIK ini belum terdaftar di SATUSEHAT. Pastikan NIK benar dan "
                    "pasien sudah terdaftar (Dukcapil/SATUSEHAT).",
                    "No patient with this NIK is registered in SATUSEHAT. Check the NIK and that "
                    "the patient is registered (Dukcapil/SATUSEHAT)."},
                   final);
}

Text practitioner_not_registered(bool final) {
  return next_step({"Tenaga kesehatan dengan NIK ini belum terdaftar di SATUSEHAT (SISDMK). "
                    "Periksa NIK tenaga kesehatan atau kirim nomor IHS-nya.",
                    "No practitioner with this NIK is registered in SATUSEHAT (SISDMK). Check "
                    "the practitioner's NIK or send their IHS number."},
                   final);
}

namespace {

// How messages name an earlier record that another one refers to, and what to send for it.
struct EarlierRecord {
  std::string id, en;            // "Kunjungan (Encounter)" / "visit (Encounter)"
  std::string hint_id, hint_en;  // what the clerk sends to make it exist ("" when unknown)
};

EarlierRecord earlier_record(std::string_view type) {
  if (type == "Encounter") {
    return {"Kunjungan (Encounter)", "visit (Encounter)",
            " Kirim rekam kunjungannya dengan nomor kunjungan (visit_no) yang sama, atau periksa "
            "visit_no dan visit_kind (jenis rekam kunjungan itu; bawaan 'visit').",
            " Send the visit's record with the same visit_no, or check visit_no and visit_kind "
            "(the kind that visit was sent as; 'visit' by default)."};
  }
  if (type == "EpisodeOfCare") {
    return {"Episode kehamilan/perawatan (EpisodeOfCare)", "care episode (EpisodeOfCare)",
            " Kirim dulu kunjungan pertamanya (mis. ANC K1), atau periksa pregnancy_id.",
            " Send its first visit (e.g. ANC K1) first, or check the pregnancy_id."};
  }
  return {"Rekam " + std::string(type), std::string(type), "", ""};
}

}  // namespace

Text earlier_record_not_delivered(std::string_view type, bool final) {
  const auto r = earlier_record(type);
  return next_step({r.id + " yang dirujuk rekam ini belum ada di SATUSEHAT." + r.hint_id,
                    "The " + r.en + " this record refers to is not in SATUSEHAT yet." + r.hint_en},
                   final);
}

Text earlier_record_needs_correction(std::string_view type, std::string_view tracking_id,
                                     bool final) {
  const auto r = earlier_record(type);
  const std::string id(tracking_id);
  const std::string head_id =
      r.id + " yang dirujuk rekam ini ditolak SATUSEHAT dan perlu diperbaiki (rekam " + id + "). ";
  const std::string head_en = "The " + r.en +
                              " this record refers to was refused by SATUSEHAT and needs "
                              "correction (record " +
                              id + "). ";
  if (final) {
    return next_step({head_id + "Perbaiki dan kirim rekam itu dulu.",
                      head_en + "Correct and deliver that record first."},
                     true);
  }
  return {head_id + "Setelah rekam itu diperbaiki dan terkirim, rekam ini ikut terkirim.",
          head_en + "Once it is corrected and delivered, this record follows by itself."};
}

Text several_patients_for_mother() {
  return {
      "Lebih dari satu bayi terdaftar dengan NIK ibu ini dan tanggal lahir/nama tidak "
      "membedakannya. Kirim ulang record dengan NIK atau nomor IHS bayi.",
      "More than one baby is registered with this mother's NIK and birth date/name do not "
      "tell them apart. Resend the record with the baby's NIK or IHS number."};
}

Text newborn_not_told_apart(std::string_view field_path) {
  const std::string f(field_path);
  return {
      "Pendaftaran bayi ini mungkin sudah diterima SATUSEHAT, tetapi ada beberapa bayi dengan "
      "NIK ibu yang sama dan " +
          f +
          " tidak menunjukkan yang mana (sama, atau tidak tampak di jawaban SATUSEHAT). "
          "Gateway tidak menebak. Periksa tanggal lahir, jenis kelamin dan urutan kelahiran "
          "(birth_order) bayi, atau kirim ulang dengan NIK atau nomor IHS bayi.",
      "This baby's registration may already have reached SATUSEHAT, but several babies are "
      "registered with the same mother's NIK and " +
          f +
          " does not show which one (equal, or not in SATUSEHAT's answer). The gateway does "
          "not guess. Check the baby's birth date, gender and birth order (birth_order), or "
          "resend with the baby's NIK or IHS number."};
}

Text still_waiting(std::int64_t until_ms) {
  return {"Menunggu sampai paling lama " + utc_time(until_ms) +
              "; setelah itu status menjadi needs_correction.",
          "Waiting until " + utc_time(until_ms) +
              " at most; after that the status becomes "
              "needs_correction."};
}

Text credentials_refused(std::string_view facility, int http_status, std::int64_t retry_at_ms) {
  const auto code = std::to_string(http_status);
  return {"SATUSEHAT menolak login fasilitas " + s(facility) + " (HTTP " + code +
              "): client_id/client_secret tidak diterima. Periksa kredensial di "
              "facilities.yaml. Login berikutnya tidak sebelum " +
              utc_time(retry_at_ms) + " (SATUSEHAT membatasi login setelah kegagalan).",
          "SATUSEHAT refused the login of facility " + s(facility) + " (HTTP " + code +
              "): client_id/client_secret not accepted. Check the credentials in "
              "facilities.yaml. Next login not before " +
              utc_time(retry_at_ms) + " (SATUSEHAT rate-limits logins after a failure)."};
}

Text login_rate_limited(std::string_view facility, std::int64_t retry_at_ms) {
  return {"SATUSEHAT sementara menolak login fasilitas " + s(facility) +
              " karena batas laju (1 login per menit setelah kegagalan). Dicoba lagi tidak "
              "sebelum " +
              utc_time(retry_at_ms) + ".",
          "SATUSEHAT is temporarily refusing logins for facility " + s(facility) +
              " (rate limit: 1 login per minute after a failure). Next try not before " +
              utc_time(retry_at_ms) + "."};
}

Text token_endpoint_unavailable(std::string_view facility, std::string_view reason,
                                std::int64_t retry_at_ms) {
  return {"Layanan login SATUSEHAT tidak dapat dihubungi untuk fasilitas " + s(facility) + " (" +
              s(reason) + "). Dicoba lagi otomatis, paling cepat " + utc_time(retry_at_ms) + ".",
          "SATUSEHAT's login service could not be reached for facility " + s(facility) + " (" +
              s(reason) + "). Retried automatically, not before " + utc_time(retry_at_ms) + "."};
}

Text token_rejected_by_fhir(std::string_view facility) {
  return {"SATUSEHAT menolak token akses fasilitas " + s(facility) +
              " walaupun baru diperbarui. Dicoba lagi otomatis; jika berulang, periksa jam "
              "komputer gateway dan kredensial.",
          "SATUSEHAT refused facility " + s(facility) +
              "'s access token even after a refresh. Retried automatically; if it persists, "
              "check the gateway computer's clock and the credentials."};
}

Text validation_refused(int http_status, const std::vector<int>& rules) {
  const auto code = std::to_string(http_status);
  const std::string r = rules.empty() ? "" : " (aturan " + join_numbers(rules) + ")";
  const std::string r_en = rules.empty() ? "" : " (rules " + join_numbers(rules) + ")";
  return {"SATUSEHAT menolak data ini (HTTP " + code + ")" + r +
              ". Perbaiki data di sistem asal sesuai pesan SATUSEHAT di bawah, lalu kirim ulang "
              "record (revisi baru), atau perbaiki pemetaan/kode lalu kirim ulang dengan "
              "'ilp-gateway queue retry'.",
          "SATUSEHAT refused this data (HTTP " + code + ")" + r_en +
              ". Fix the data in the source system as SATUSEHAT's message below says and resend "
              "the record (a new revision), or fix the mapping/code table and re-send it with "
              "'ilp-gateway queue retry'."};
}

Text business_rule(std::string_view facility) {
  return {"SATUSEHAT menolak akses (HTTP 403, business rule): client_id fasilitas " + s(facility) +
              " tidak terikat pada Organization ID yang dipakai. Periksa organization_id dan "
              "kredensial di facilities.yaml, lalu kirim ulang dengan 'ilp-gateway queue "
              "retry'.",
          "SATUSEHAT refused access (HTTP 403, business rule): facility " + s(facility) +
              "'s client_id is not bound to the Organization ID used. Check organization_id "
              "and the credentials in facilities.yaml, then re-send with 'ilp-gateway queue "
              "retry'."};
}

Text platform_unavailable(std::string_view reason, std::int64_t next_attempt_ms) {
  return {"SATUSEHAT belum dapat menerima data (" + s(reason) + "). Dicoba lagi otomatis pada " +
              utc_time(next_attempt_ms) + ".",
          "SATUSEHAT could not take the data (" + s(reason) + "). Retried automatically at " +
              utc_time(next_attempt_ms) + "."};
}

Text maybe_delivered(std::string_view reason, std::int64_t next_attempt_ms) {
  return {"Koneksi ke SATUSEHAT terputus setelah data terkirim (" + s(reason) + "). Pada " +
              utc_time(next_attempt_ms) +
              " gateway mengecek dulu apakah data sudah ada sebelum mengirim ulang, sehingga "
              "tidak ada data ganda.",
          "The connection to SATUSEHAT failed after the data was sent (" + s(reason) + "). At " +
              utc_time(next_attempt_ms) +
              " the gateway first checks whether the data arrived before sending again, so "
              "nothing is created twice."};
}

Text duplicate_unresolved() {
  return {
      "SATUSEHAT menyatakan data ini duplikat, tetapi pencarian berdasarkan identifier "
      "tidak menemukannya. Periksa nomor kunjungan/identifier di sistem asal (mungkin "
      "sudah dipakai data lain), lalu kirim ulang.",
      "SATUSEHAT says this data is a duplicate, but a search by identifier did not find "
      "it. Check the visit number/identifiers in the source system (another record may "
      "use them), then resend."};
}

Text gave_up(int attempts, std::string_view last_reason) {
  const auto n = std::to_string(attempts);
  return {"Pengiriman dihentikan setelah " + n + " percobaan atau melewati batas umur (" +
              s(last_reason) +
              "). Setelah masalahnya teratasi, kirim ulang dengan 'ilp-gateway queue retry'.",
          "Delivery stopped after " + n + " attempts or past the age limit (" + s(last_reason) +
              "). Once the cause is fixed, re-send with 'ilp-gateway queue retry'."};
}

Text unknown_facility(std::string_view facility) {
  return {"Fasilitas " + s(facility) +
              " tidak ada (lagi) di facilities.yaml, sehingga tidak ada kredensial untuk "
              "mengirim. Tambahkan fasilitas itu lalu kirim ulang dengan 'ilp-gateway queue "
              "retry'.",
          "Facility " + s(facility) +
              " is not (or no longer) in facilities.yaml, so there are no credentials to send "
              "with. Add it back, then re-send with 'ilp-gateway queue retry'."};
}

Text unreadable_bundle() {
  return {
      "Bundle yang tersimpan untuk record ini tidak dapat dibaca (kesalahan internal "
      "gateway). Kirim ulang record dari sistem asal dan laporkan ke tim IT.",
      "The stored bundle of this record cannot be read (an internal gateway error). "
      "Resend the record from the source system and report it to IT."};
}

Text bad_platform_url(std::string_view key) {
  return {"Alamat " + s(key) +
              " di gateway.yaml tidak valid. Perbaiki konfigurasi; pengiriman "
              "dicoba lagi otomatis.",
          "The " + s(key) +
              " URL in gateway.yaml is invalid. Fix the configuration; delivery "
              "retries automatically."};
}

Text internal_error(std::int64_t next_attempt_ms) {
  return {"Pengiriman terhenti oleh kesalahan di gateway sendiri (bukan di data ini). Pada " +
              utc_time(next_attempt_ms) +
              " gateway mengecek dulu apakah data sudah ada di SATUSEHAT, lalu mengirim ulang. "
              "Bila terulang, laporkan id pelacakan ini ke pengelola gateway.",
          "A fault in the gateway itself (not in this data) stopped the sending. At " +
              utc_time(next_attempt_ms) +
              " the gateway checks whether SATUSEHAT has the data, then sends it again. If it "
              "happens again, report this tracking id to whoever runs the gateway."};
}

}  // namespace ilp::gateway::delivery::msg
