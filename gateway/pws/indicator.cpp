#include "gateway/pws/indicator.hpp"

namespace ilp::gateway::pws {
namespace {

using D = Denominator;
using I = Indicator;

constexpr std::array<IndicatorInfo, kIndicatorCount> kIndicators = {{
    {I::kK1, "k1", "Ibu hamil K1", "Pregnant women, first ANC contact (K1)", D::kYearTarget},
    {I::kK4, "k4", "Ibu hamil K4", "Pregnant women, fourth ANC contact (K4)", D::kYearTarget},
    {I::kK6, "k6", "Ibu hamil K6", "Pregnant women, sixth ANC contact (K6)", D::kYearTarget},
    {I::kPf, "pf", "Persalinan di fasilitas kesehatan oleh nakes",
     "Births at a health facility by a health worker", D::kYearTarget},
    {I::kKfLengkap, "kf_lengkap", "Ibu nifas KF lengkap (KF1-KF4)",
     "Mothers with all postpartum visits (KF1-KF4)", D::kYearTarget},
    {I::kKn1, "kn1", "Neonatus KN1", "Newborns with the first neonatal visit (KN1)",
     D::kYearTarget},
    {I::kKnLengkap, "kn_lengkap", "Neonatus KN lengkap (KN1-KN3)",
     "Newborns with all neonatal visits (KN1-KN3)", D::kYearTarget},
    {I::kIdl, "idl", "Imunisasi dasar lengkap", "Children fully immunised before 12 months",
     D::kYearTarget},
    {I::kDs, "ds", "Balita ditimbang (D/S)", "Under-fives weighed (D/S)", D::kMonthTarget},
    {I::kNd, "nd", "Balita naik berat badannya (N/D)", "Under-fives whose weight rose (N/D)",
     D::kCounted},
    {I::kStunting, "stunting", "Balita stunting (TB/U < -2 SD)",
     "Under-fives stunted (height-for-age z < -2)", D::kCounted},
    {I::kPtmScreened, "ptm_screened", "Skrining PTM usia dewasa",
     "Adults screened for non-communicable diseases", D::kYearTarget},
    {I::kTbNotified, "tb_notified", "Kasus TB ternotifikasi", "TB cases notified", D::kYearTarget},
}};

}  // namespace

bool is_event(int code) { return code >= 1 && code <= kMaxEvent; }

const std::array<IndicatorInfo, kIndicatorCount>& indicators() { return kIndicators; }

const IndicatorInfo& info(Indicator i) { return kIndicators[static_cast<std::size_t>(i)]; }

std::optional<Indicator> indicator_from_id(std::string_view id) {
  for (const auto& i : kIndicators) {
    if (i.id == id) return i.indicator;
  }
  return std::nullopt;
}

}  // namespace ilp::gateway::pws
