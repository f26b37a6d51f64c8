#pragma once
// The console's static files, compiled into the binary by cmake/embed_files.cmake.

#include <cstddef>
#include <string_view>

namespace ilp::gateway::api {

struct ConsoleAsset {
  std::string_view path;  // relative to gateway/console/, e.g. "index.html"
  std::string_view content_type;
  const unsigned char* data;
  std::size_t size;

  std::string_view bytes() const { return {reinterpret_cast<const char*>(data), size}; }
};

extern const ConsoleAsset kConsoleAssets[];
extern const std::size_t kConsoleAssetCount;

// The asset at `path` ("" and "/" are index.html); nullptr when there is none.
const ConsoleAsset* find_console_asset(std::string_view path);

}  // namespace ilp::gateway::api
