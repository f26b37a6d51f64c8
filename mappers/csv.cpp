#include "mappers/csv.hpp"

namespace ilp::mappers {

bool read_csv_record(std::string_view text, std::size_t& pos, int& line,
                     std::vector<std::string>& cells, std::string& error) {
  cells.clear();
  std::string cell;
  bool quoted = false;
  bool was_quoted = false;
  const int start_line = line;
  while (pos < text.size()) {
    const char c = text[pos++];
    if (quoted) {
      if (c == '"') {
        if (pos < text.size() && text[pos] == '"') {
          cell += '"';
          ++pos;
        } else {
          quoted = false;
        }
      } else {
        if (c == '\n') ++line;
        cell += c;
      }
      continue;
    }
    if (c == '"' && cell.empty() && !was_quoted) {
      quoted = was_quoted = true;
    } else if (c == ',') {
      cells.push_back(std::move(cell));
      cell.clear();
      was_quoted = false;
    } else if (c == '\n') {
      ++line;
      break;
    } else if (c != '\r') {
      cell += c;
    }
  }
  if (quoted) {
    error = "line " + std::to_string(start_line) + ": a quoted cell is never closed";
    return false;
  }
  cells.push_back(std::move(cell));
  return true;
}

}  // namespace ilp::mappers
