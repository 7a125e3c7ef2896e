#include "controller/provider.h"

#include <boost/json.hpp>
#include <fmt/format.h>

#include <algorithm>
#include <cctype>

namespace airunway::controller {

// Declarations and the name → factory table, generated from providers/*/provider.cmake.
#define AIRUNWAY_PROVIDER(name) \
  namespace providers::name {   \
  std::unique_ptr<Provider> Make(); \
  }
#include "controller/providers.inc"
#undef AIRUNWAY_PROVIDER

namespace {
struct Factory {
  const char* name;
  std::unique_ptr<Provider> (*make)();
};
const Factory kFactories[] = {
#define AIRUNWAY_PROVIDER(name) {#name, &providers::name::Make},
#include "controller/providers.inc"
#undef AIRUNWAY_PROVIDER
    {nullptr, nullptr},
};
}  // namespace

std::string Provider::Finalizer() const { return fmt::format("airunway.ai/{}-provider", Name()); }

std::vector<std::string> BuiltinProviderNames() {
  std::vector<std::string> names;
  for (const auto& f : kFactories) {
    if (f.name != nullptr) names.emplace_back(f.name);
  }
  std::sort(names.begin(), names.end());
  return names;
}

std::unique_ptr<Provider> MakeProvider(std::string_view name) {
  for (const auto& f : kFactories) {
    if (f.name != nullptr && name == f.name) return f.make();
  }
  return nullptr;
}

namespace {
void DeepMerge(boost::json::object& into, const boost::json::object& from) {
  for (const auto& [key, value] : from) {
    boost::json::value* existing = into.if_contains(key);
    if (existing != nullptr && existing->is_object() && value.is_object()) {
      DeepMerge(existing->get_object(), value.get_object());
    } else {
      into[key] = value;
    }
  }
}
}  // namespace

common::Status MergeOverrides(boost::json::object& object, const boost::json::object& overrides) {
  for (std::string_view blocked : {"apiVersion", "kind", "metadata", "status"}) {
    if (overrides.contains(blocked)) {
      return common::MakeError(common::ErrorCode::kInvalid,
                               fmt::format("overriding \"{}\" is not allowed; remove it from provider.overrides", blocked));
    }
  }
  DeepMerge(object, overrides);
  return {};
}

std::string SanitizeLabelValue(std::string_view value) {
  std::string out(value.substr(0, 63));
  for (char& c : out) {
    if (std::isalnum(static_cast<unsigned char>(c)) == 0 && c != '-' && c != '_' && c != '.') c = '-';
  }
  auto trim = [](char c) { return c == '-' || c == '_' || c == '.'; };
  while (!out.empty() && trim(out.front())) out.erase(out.begin());
  while (!out.empty() && trim(out.back())) out.pop_back();
  return out;
}

common::Status ValidateEngineArgKeys(const std::map<std::string, std::string>& args) {
  for (const auto& [key, value] : args) {
    bool ok = !key.empty() && key[0] != '-' && std::all_of(key.begin(), key.end(), [](char c) {
      return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '_' || c == '-';
    });
    if (!ok) {
      return common::MakeError(common::ErrorCode::kInvalid,
                               fmt::format("invalid engine arg key \"{}\": use letters, digits, '-' and '_' "
                                           "without leading dashes (e.g. max-num-seqs)",
                                           key));
    }
  }
  return {};
}

}  // namespace airunway::controller
