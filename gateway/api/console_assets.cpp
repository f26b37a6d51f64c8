#include "gateway/api/console_assets.hpp"

namespace ilp::gateway::api {

const ConsoleAsset* find_console_asset(std::string_view path) {
  if (path.empty() || path == "/") path = "index.html";
  if (path.front() == '/') path.remove_prefix(1);
  for (std::size_t i = 0; i < kConsoleAssetCount; ++i) {
    if (kConsoleAssets[i].path == path) return &kConsoleAssets[i];
  }
  return nullptr;
}

}  // namespace ilp::gateway::api
