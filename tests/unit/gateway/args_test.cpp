// The command line: what each subcommand accepts, and that anything else is refused by name.
#include "gateway/cli/args.hpp"

#include <catch2/catch.hpp>
#include <string>
#include <vector>

using ilp::gateway::cli::Args;
using ilp::gateway::cli::parse_args;

namespace {

Args parse(std::vector<std::string> words) {
  words.insert(words.begin(), "ilp-gateway");
  std::vector<char*> argv;
  for (auto& w : words) argv.push_back(w.data());
  return parse_args(static_cast<int>(argv.size()), argv.data());
}

std::string refusal(std::vector<std::string> words) {
  try {
    parse(std::move(words));
  } catch (const std::invalid_argument& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST_CASE("options take their value after a space or an equals sign", "[cli]") {
  const auto a = parse({"queue", "list", "--status", "dead", "--limit=5", "--en"});
  CHECK(a.positional == std::vector<std::string>{"list"});
  CHECK(a.option("--status") == "dead");
  CHECK(a.option("--limit") == "5");
  CHECK(a.flag("--en"));
  CHECK_FALSE(a.option("--facility"));
}

TEST_CASE("a misspelt option is refused with its name and the usage, not ignored", "[cli]") {
  const auto msg = refusal({"queue", "retry", "--stauts", "dead"});
  CHECK(msg.find("unknown option --stauts for `queue`") == 0);
  CHECK(msg.find("usage:") != std::string::npos);
  CHECK(refusal({"validate", "--facilty=pkm-sukamaju", "a.json"}).find("--facilty") !=
        std::string::npos);
}

TEST_CASE("an option of another command is refused", "[cli]") {
  CHECK(refusal({"map", "--r4", "a.json"}).find("unknown option --r4 for `map`") == 0);
  CHECK(refusal({"serve", "--en"}).find("unknown option --en for `serve`") == 0);
}

TEST_CASE("a flag given a value and an option missing its value are refused", "[cli]") {
  CHECK(refusal({"validate", "--json=yes", "a.json"}) == "--json takes no value");
  CHECK(refusal({"queue", "list", "--limit"}) == "--limit needs a value");
  CHECK(refusal({"check-config", "--config"}) == "--config needs a value");
}

TEST_CASE("every command understands --config and --set", "[cli]") {
  const auto a = parse({"check-config", "--config=x.yaml", "--set", "a=1", "--set=b=2"});
  CHECK(a.config == "x.yaml");
  CHECK(a.overrides == std::vector<std::string>{"a=1", "b=2"});
}
