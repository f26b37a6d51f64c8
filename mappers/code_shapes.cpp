#include "mappers/code_shapes.hpp"

#include <cstddef>

namespace ilp::mappers {
namespace {

bool upper(char c) { return c >= 'A' && c <= 'Z'; }
bool digit(char c) { return c >= '0' && c <= '9'; }

}  // namespace

bool icd10_shape(std::string_view c) {
  if (c.size() < 3 || !upper(c[0]) || !digit(c[1]) || !digit(c[2])) return false;
  if (c.size() == 3) return true;
  if (c[3] != '.' || c.size() < 5 || c.size() > 6) return false;
  for (std::size_t i = 4; i < c.size(); ++i) {
    if (!upper(c[i]) && !digit(c[i])) return false;
  }
  return true;
}

bool icd9cm_shape(std::string_view c) {
  if (c.size() < 2 || !digit(c[0]) || !digit(c[1])) return false;
  if (c.size() == 2) return true;
  if (c[2] != '.' || c.size() < 4 || c.size() > 5) return false;
  for (std::size_t i = 3; i < c.size(); ++i) {
    if (!digit(c[i])) return false;
  }
  return true;
}

}  // namespace ilp::mappers
