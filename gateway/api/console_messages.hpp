#pragma once
// What the console's endpoints answer in words (Bahasa Indonesia first, English second), kept
// out of the handlers so the routing code reads as routing.

#include <string>

#include "mappers/outcome.hpp"

namespace ilp::gateway::api::console_text {

inline mappers::Text wrong_token() {
  return {"Token admin salah. Periksa token lalu coba lagi.",
          "Wrong admin token. Check the token and try again."};
}
inline mappers::Text login_body() {
  return {"Kirim {\"token\": \"...\"} sebagai application/json.",
          "Send {\"token\": \"...\"} as application/json."};
}
inline mappers::Text no_session() {
  return {"Belum masuk atau sesi sudah berakhir: masuk lagi dengan token admin.",
          "Not logged in, or the session has ended: log in again with the admin token."};
}
inline mappers::Text csrf_missing() {
  return {
      "Permintaan ditolak: token CSRF (header X-CSRF-Token) tidak ada atau salah. Muat ulang "
      "halaman konsol.",
      "Request refused: the CSRF token (header X-CSRF-Token) is missing or wrong. Reload the "
      "console page."};
}
inline mappers::Text unknown_asset() {
  return {"Berkas konsol tidak dikenal.", "Unknown console file."};
}
inline mappers::Text status_required() {
  return {"Sebutkan status (misalnya needs_correction).",
          "Name the status (for example needs_correction)."};
}
inline mappers::Text unknown_facility(const std::string& f) {
  return {"Fasilitas tidak dikenal: " + f + ".", "Unknown facility: " + f + "."};
}
inline mappers::Text bad_bundle_param() {
  return {"bundle hanya boleh bernilai masked (NIK dan nama disamarkan).",
          "bundle can only be masked (NIK and names hidden)."};
}
inline mappers::Text bad_audit_limit() {
  return {"limit harus bilangan bulat 1 sampai 200.",
          "limit must be a whole number from 1 to 200."};
}
inline mappers::Text retry_filter_body() {
  return {
      "filter harus objek {\"status\", \"facility\", \"kind\"} dengan status yang bisa "
      "dikirim ulang (needs_correction, dead, retrying, waiting).",
      "filter must be an object {\"status\", \"facility\", \"kind\"} with a status that can "
      "be re-sent (needs_correction, dead, retrying, waiting)."};
}
inline mappers::Text try_body() {
  return {"Tempel satu rekam JSON {\"kind\", \"facility\", \"record_id\", \"data\"}.",
          "Paste one JSON record {\"kind\", \"facility\", \"record_id\", \"data\"}."};
}

// The record's status in words, for the detail page.
inline mappers::Text status_explained(std::string_view status) {
  if (status == "needs_correction") {
    return {
        "SATUSEHAT menolak isi rekam ini. Perbaiki data di aplikasi sumber sesuai pesan di "
        "bawah lalu kirim ulang; mengirim ulang tanpa perbaikan akan ditolak lagi.",
        "SATUSEHAT refused this record's content. Fix the data in the source application as "
        "the messages below say, then re-send; re-sending unchanged is refused again."};
  }
  if (status == "dead") {
    return {
        "Pengiriman berhenti setelah terlalu banyak percobaan. Periksa pesan terakhir, lalu "
        "kirim ulang bila penyebabnya sudah teratasi.",
        "Delivery stopped after too many attempts. Read the last message, then re-send once "
        "its cause is fixed."};
  }
  if (status == "retrying") {
    return {
        "Percobaan terakhir gagal sementara (jaringan atau SATUSEHAT sibuk); gateway mencoba "
        "lagi sendiri.",
        "The last attempt failed for a passing reason (network, SATUSEHAT busy); the gateway "
        "tries again by itself."};
  }
  if (status == "waiting") {
    return {"Menunggu rekam lain yang harus sampai lebih dulu (misalnya kunjungannya).",
            "Waiting for another record that must arrive first (for example its visit)."};
  }
  if (status == "delivered") return {"Sudah diterima SATUSEHAT.", "Accepted by SATUSEHAT."};
  if (status == "superseded") {
    return {"Digantikan oleh revisi yang lebih baru.", "Replaced by a newer revision."};
  }
  return {"Dalam antrean pengiriman.", "In the delivery queue."};
}

}  // namespace ilp::gateway::api::console_text
