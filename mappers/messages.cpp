#include "mappers/messages.hpp"

#include <array>
#include <charconv>
#include <string>

namespace ilp::mappers {
namespace {

enum class In { kId, kEn };

std::string name(const Label& f, In lang) {
  std::string s(lang == In::kId ? f.id : f.en);
  if (f.item >= 0) {
    s += lang == In::kId ? " ke-" : " ";
    s += std::to_string(f.item + 1);
  }
  return s;
}

// The label inside a sentence: "Waktu kedatangan" → "waktu kedatangan", but acronyms such as
// "NIK pasien" keep their capitals.
std::string inner(const Label& f, In lang) {
  std::string s = name(f, lang);
  if (s.size() >= 2 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'a' && s[1] <= 'z') {
    s[0] = static_cast<char>(s[0] - 'A' + 'a');
  }
  return s;
}

// Shortest round-trip form; Indonesian writes a decimal comma ("0,3 kg").
std::string number(double v, In lang) {
  std::array<char, 32> buf{};
  auto [end, ec] = std::to_chars(buf.data(), buf.data() + buf.size(), v);
  std::string s(buf.data(), ec == std::errc{} ? end : buf.data());
  if (lang == In::kId) {
    for (auto& c : s) {
      if (c == '.') c = ',';
    }
  }
  return s;
}

// Both languages share one shape: label, then the rule.
Text both(const Label& f, std::string_view id_rule, std::string_view en_rule) {
  return Text{name(f, In::kId) + std::string(id_rule), name(f, In::kEn) + std::string(en_rule)};
}

constexpr std::array<std::string_view, 12> kMonthsId{
    "Januari", "Februari", "Maret",     "April",   "Mei",      "Juni",
    "Juli",    "Agustus",  "September", "Oktober", "November", "Desember"};
constexpr std::array<std::string_view, 12> kMonthsEn{
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

std::string long_date(const std::chrono::year_month_day& d, In lang) {
  const auto m = static_cast<unsigned>(d.month());
  const auto& months = lang == In::kId ? kMonthsId : kMonthsEn;
  return std::to_string(static_cast<unsigned>(d.day())) + " " +
         std::string(m >= 1 && m <= 12 ? months[m - 1] : "?") + " " +
         std::to_string(static_cast<int>(d.year()));
}

}  // namespace

namespace msg {

Text required(const Label& f) { return both(f, " wajib diisi.", " is required."); }

Text not_text(const Label& f) {
  return both(f, " harus berupa teks.", " must be text (a JSON string).");
}

Text not_number(const Label& f) { return both(f, " harus berupa angka.", " must be a number."); }

Text not_object(const Label& f) {
  return both(f, " harus berupa objek JSON ({…}).", " must be a JSON object ({…}).");
}

Text not_list(const Label& f) {
  return both(f, " harus berupa daftar (array JSON […]).", " must be a list (a JSON array […]).");
}

Text not_boolean(const Label& f) {
  return both(f, " harus bernilai true atau false.", " must be true or false.");
}

Text too_long(const Label& f, std::size_t max_chars) {
  const auto n = std::to_string(max_chars);
  return both(f, " terlalu panjang; paling banyak " + n + " karakter.",
              " is too long; at most " + n + " characters.");
}

Text control_character(const Label& f) {
  return both(f,
              " berisi karakter kontrol (misalnya NUL); hanya teks, tab dan baris baru yang boleh.",
              " contains a control character (such as NUL); only text, tabs and line breaks are "
              "allowed.");
}

Text too_many(const Label& f, std::size_t max_items) {
  const auto n = std::to_string(max_items);
  return both(f, " berisi terlalu banyak baris; paling banyak " + n + ".",
              " has too many entries; at most " + n + ".");
}

Text nik(const Label& f) {
  return both(f, " harus 16 digit angka.", " must be exactly 16 digits.");
}

Text patient_identity_missing() {
  return Text{
      "NIK pasien wajib diisi. Untuk bayi yang belum memiliki NIK, isi NIK ibu (mother_nik) dan "
      "tanggal lahir.",
      "Patient NIK is required. For a newborn without a NIK, give the mother's NIK (mother_nik) "
      "and the birth date."};
}

Text practitioner_identity_missing() {
  return Text{"NIK atau nomor IHS tenaga kesehatan wajib diisi.",
              "The practitioner's NIK or IHS number is required."};
}

Text ihs_number(const Label& f) {
  return both(f,
              " hanya boleh berisi huruf, angka, titik atau tanda hubung, paling banyak 64 "
              "karakter.",
              " may contain only letters, digits, dots or hyphens, at most 64 characters.");
}

Text gender(const Label& f) {
  return both(f, " harus \"male\" (laki-laki) atau \"female\" (perempuan).",
              " must be \"male\" or \"female\".");
}

Text date(const Label& f) {
  return both(f,
              " bukan tanggal yang benar. Gunakan format tahun-bulan-tanggal, misalnya "
              "2025-03-14.",
              " is not a valid date. Use year-month-day, for example 2025-03-14.");
}

Text datetime(const Label& f) {
  return both(f,
              " bukan tanggal dan jam yang benar. Gunakan format 2025-03-14T08:30:00 (jam "
              "setempat), boleh ditambah zona waktu seperti +07:00.",
              " is not a valid date and time. Use the form 2025-03-14T08:30:00 (local time), "
              "optionally followed by an offset such as +07:00.");
}

Text before_floor(const Label& f, const std::chrono::year_month_day& floor) {
  return both(f, " tidak boleh sebelum " + long_date(floor, In::kId) + " (batas SATUSEHAT).",
              " cannot be before " + long_date(floor, In::kEn) + " (the SATUSEHAT limit).");
}

Text in_future(const Label& f) {
  return both(f, " tidak boleh di masa depan. Periksa tanggal dan jam di komputer pengirim.",
              " cannot be in the future. Check the date and time on the sending computer.");
}

Text earlier_than(const Label& later, const Label& earlier) {
  return Text{
      name(later, In::kId) + " tidak boleh lebih awal dari " + inner(earlier, In::kId) + ".",
      name(later, In::kEn) + " cannot be earlier than " + inner(earlier, In::kEn) + "."};
}

Text too_many_days_after(const Label& f, const Label& from, int max, long days) {
  return Text{name(f, In::kId) + " hanya berlaku sampai " + std::to_string(max) + " hari setelah " +
                  inner(from, In::kId) + "; data ini " + std::to_string(days) + " hari setelahnya.",
              name(f, In::kEn) + " applies only up to " + std::to_string(max) + " days after " +
                  inner(from, In::kEn) + "; this record is " + std::to_string(days) +
                  " days after it."};
}

Text not_after(const Label& later, const Label& earlier) {
  return Text{name(later, In::kId) + " harus setelah " + inner(earlier, In::kId) + ".",
              name(later, In::kEn) + " must be after " + inner(earlier, In::kEn) + "."};
}

Text bad_date_floor_config() {
  return Text{"Pengaturan batas tanggal di gateway tidak benar; hubungi petugas IT.",
              "The gateway's date floor setting is invalid; contact IT staff."};
}

Text update_without_identifier(std::string_view resource) {
  return Text{
      "Pemetaan tidak lengkap: sumber daya \"" + std::string(resource) +
          "\" harus diperbarui di SATUSEHAT tetapi tidak punya identifier; hubungi petugas IT.",
      "Mapping incomplete: resource \"" + std::string(resource) +
          "\" updates one on SATUSEHAT but came out without an identifier; contact IT staff."};
}

Text encounter_class(const Label& f) {
  return both(f,
              " harus salah satu dari: \"outpatient\" (rawat jalan), \"emergency\" (gawat "
              "darurat), \"inpatient\" (rawat inap), \"home\" (kunjungan rumah).",
              " must be one of \"outpatient\", \"emergency\", \"inpatient\", \"home\".");
}

Text unknown_location(std::string_view facility_name, const std::vector<std::string_view>& codes) {
  // Listing the registered codes is safe (they are configuration) and tells the clerk what to
  // send instead; a long table is cut so the message stays readable.
  constexpr std::size_t kMaxListed = 20;
  std::string list;
  for (std::size_t i = 0; i < codes.size() && i < kMaxListed; ++i) {
    if (i > 0) list += ", ";
    list += codes[i];
  }
  if (codes.size() > kMaxListed) list += ", …";
  const std::string fac(facility_name);
  Text t{"Kode lokasi tidak ada di tabel lokasi " + fac + ".",
         "The location code is not in the location table of " + fac + "."};
  if (!list.empty()) {
    t.id += " Kode yang terdaftar: " + list + ".";
    t.en += " Registered codes: " + list + ".";
  }
  t.id += " Petugas IT dapat menambahkannya di facilities.yaml.";
  t.en += " IT staff can add it in facilities.yaml.";
  return t;
}

Text out_of_range(const Label& f, double min, double max, const UnitText& unit) {
  return both(f,
              " harus antara " + number(min, In::kId) + " dan " + number(max, In::kId) +
                  std::string(unit.id) + ".",
              " must be between " + number(min, In::kEn) + " and " + number(max, In::kEn) +
                  std::string(unit.en) + ".");
}

Text unknown_code(const Label& f, std::string_view table) {
  const std::string t(table);
  return both(f, " tidak ada di tabel kode '" + t + "' (config/codes/" + t + ".csv).",
              " is not in the code table '" + t + "' (config/codes/" + t + ".csv).");
}

Text not_one_of(const Label& f, const std::vector<std::string>& allowed) {
  std::string list;
  for (const auto& a : allowed) list += (list.empty() ? "" : ", ") + a;
  return both(f, " harus salah satu dari: " + list + ".", " must be one of: " + list + ".");
}

Text not_whole_number(const Label& f) {
  return both(f, " harus bilangan bulat.", " must be a whole number.");
}

Text not_below(const Label& lower, const Label& higher) {
  return Text{name(lower, In::kId) + " harus lebih kecil dari " + inner(higher, In::kId) + ".",
              name(lower, In::kEn) + " must be lower than " + inner(higher, In::kEn) + "."};
}

Text at_least(const Label& f, double min, const UnitText& unit) {
  return both(f, " minimal " + number(min, In::kId) + std::string(unit.id) + ".",
              " must be at least " + number(min, In::kEn) + std::string(unit.en) + ".");
}

Text at_most(const Label& f, double max, const UnitText& unit) {
  return both(f, " maksimal " + number(max, In::kId) + std::string(unit.id) + ".",
              " must be at most " + number(max, In::kEn) + std::string(unit.en) + ".");
}

Text diastolic_not_below_systolic() {
  return Text{"Tekanan darah diastolik harus lebih kecil dari tekanan darah sistolik.",
              "Diastolic blood pressure must be lower than systolic blood pressure."};
}

Text icd10(const Label& f) {
  return both(f,
              " tidak sesuai format ICD-10: satu huruf besar dan dua angka, boleh diikuti titik "
              "dan 1–2 huruf besar atau angka, misalnya A09 atau E44.1.",
              " is not an ICD-10 code: one capital letter and two digits, optionally followed by "
              "a dot and 1–2 capital letters or digits, for example A09 or E44.1.");
}

Text icd9cm(const Label& f) {
  return both(f,
              " tidak sesuai format ICD-9-CM: dua angka, boleh diikuti titik dan 1–2 angka, "
              "misalnya 89.7 atau 96.59.",
              " is not an ICD-9-CM procedure code: two digits, optionally followed by a dot and "
              "1–2 digits, for example 89.7 or 96.59.");
}

}  // namespace msg
}  // namespace ilp::mappers
