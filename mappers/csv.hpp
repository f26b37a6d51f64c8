#pragma once
// RFC 4180 CSV, one record at a time: the reader behind config/codes/*.csv and config/pws/*.csv.

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace ilp::mappers {

// One record of CSV starting at `pos`; advances `pos` and `line` past it (a quoted cell may span
// lines). Returns false with `error` ("line N: …") on an unterminated quote.
bool read_csv_record(std::string_view text, std::size_t& pos, int& line,
                     std::vector<std::string>& cells, std::string& error);

}  // namespace ilp::mappers
