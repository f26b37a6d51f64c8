// Hot reload of mappings (issue 5): IT staff add or change a mapping file and reload; a set
// that does not compile completely is refused and the old one keeps serving.
#include <catch2/catch.hpp>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

#include "support/e2e_helpers.hpp"
#include "support/gateway_fixture.hpp"

using namespace ilp::testing;
using namespace std::chrono_literals;

namespace {

namespace fs = std::filesystem;

// config/mappings copied to a folder the test may change, removed with the object.
struct MappingsDir {
  fs::path dir = fs::temp_directory_path() / ("ilp-reload-" + std::to_string(::getpid()));
  MappingsDir() {
    fs::remove_all(dir);
    fs::create_directories(dir);
    fs::copy(fs::path(ILP_SOURCE_DIR) / "config" / "mappings", dir, fs::copy_options::recursive);
  }
  ~MappingsDir() { fs::remove_all(dir); }
  void write(const std::string& name, const std::string& text) const {
    std::ofstream(dir / name, std::ios::trunc) << text;
  }
};

// A visit envelope of another kind: the vendor's own copy of visit.yaml.
std::string vendor_visit(const std::string& id) {
  return visit_envelope(
      id, [](rapidjson::Document& d) { d["kind"].SetString("visit-vendor", d.GetAllocator()); });
}

int status_of(const HttpResult& r) { return static_cast<int>(r.response.result_int()); }

}  // namespace

TEST_CASE("a new mapping file is used after reload, a broken set is refused, the old serves",
          "[integration][reload]") {
  SimFixture sim;
  MappingsDir maps;
  GatewayFixture gw(GatewayOptions(sim.base_url(), {"mappings=" + maps.dir.string()}));

  CHECK(status_of(gw.post_record(vendor_visit("RL-1"))) == 422);  // unknown kind

  // Copy visit.yaml as a new kind and reload through the admin API.
  std::ifstream in(maps.dir / "visit.yaml");
  std::stringstream yaml;
  yaml << in.rdbuf();
  std::string text = yaml.str();
  text.replace(text.find("kind: visit"), 11, "kind: visit-vendor");
  maps.write("visit-vendor.yaml", text);
  CHECK(status_of(gw.admin("POST", "/admin/reload")) == 200);
  CHECK(status_of(gw.post_record(vendor_visit("RL-2"))) == 202);

  // A broken file anywhere refuses the whole new set, naming the file and line.
  maps.write("broken.yaml",
             "kind: broken\ninput: {}\nresources:\n"
             "  - {name: r, body: {resourceType: Basic, x: \"${nosuch()}\"}}\n");
  const auto refused = gw.admin("POST", "/admin/reload");
  CHECK(status_of(refused) == 422);
  CHECK(refused.response.body().find("broken.yaml:4") != std::string::npos);
  CHECK(status_of(gw.post_record(vendor_visit("RL-3"))) == 202);  // the old set still serves

  // SIGHUP reloads too: the broken file removed, the set is accepted again.
  fs::remove(maps.dir / "broken.yaml");
  fs::remove(maps.dir / "visit-vendor.yaml");
  ::kill(gw.process().pid(), SIGHUP);
  const auto deadline = std::chrono::steady_clock::now() + 10s;
  int code = 0;
  while ((code = status_of(gw.post_record(vendor_visit("RL-4")))) != 422 &&
         std::chrono::steady_clock::now() < deadline) {
    std::this_thread::sleep_for(50ms);
  }
  CHECK(code == 422);  // the vendor kind is gone with its file
}
