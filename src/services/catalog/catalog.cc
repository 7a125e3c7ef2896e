#include "services/catalog/catalog.h"

#include <algorithm>
#include <cmath>
#include <fstream>
#include <set>
#include <sstream>

#include <fmt/format.h>

#include "common/json.h"
#include "services/catalog/gpu_fit.h"

namespace airunway::catalog {

bool IsValidModelId(std::string_view id) {
  int segments = 0;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = id.find('/', start);
    std::string_view part = id.substr(start, slash == std::string_view::npos ? id.npos : slash - start);
    if (part.empty() || part.size() > 96 || part == "." || part == "..") return false;
    for (char c : part) {
      bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
                c == '_' || c == '-';
      if (!ok) return false;
    }
    ++segments;
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return segments <= 2;
}

namespace {

using common::ErrorCode;

bool IsPositiveInteger(const boost::json::value& value) {
  if (value.is_int64()) return value.get_int64() > 0;
  if (value.is_uint64()) return value.get_uint64() > 0;
  if (value.is_double()) {
    double d = value.get_double();
    return d > 0 && std::floor(d) == d && d < 9.0e15;
  }
  return false;
}

bool IsNonNegativeInteger(const boost::json::value& value) {
  if (value.is_int64()) return value.get_int64() >= 0;
  if (value.is_uint64()) return true;
  return false;
}

bool IsNonEmptyString(const boost::json::value& value) {
  return value.is_string() && !value.get_string().empty();
}


template <std::size_t N>
bool OneOf(std::string_view value, const std::string_view (&set)[N]) {
  return std::find(std::begin(set), std::end(set), value) != std::end(set);
}

// Checks one entry; appends "field: rule" problems.
void ValidateEntry(const boost::json::object& entry, std::vector<std::string>& problems) {
  static const std::set<std::string_view> kKnown = {
      "id", "name", "description", "size", "task", "conversational", "parameters", "contextLength",
      "license", "supportedEngines", "minGpuMemory", "minGpus", "gated"};
  for (const auto& field : entry) {
    if (kKnown.count(field.key()) == 0) {
      problems.push_back(fmt::format("unknown field \"{}\" (allowed: id, name, description, size, task, "
                                     "conversational, parameters, contextLength, license, supportedEngines, "
                                     "minGpuMemory, minGpus, gated)",
                                     std::string_view(field.key())));
    }
  }
  auto require_string = [&](std::string_view key) -> const boost::json::value* {
    const auto* value = common::Find(entry, key);
    if (value == nullptr || !IsNonEmptyString(*value)) {
      problems.push_back(fmt::format("{} is required and must be a non-empty string", key));
      return nullptr;
    }
    return value;
  };
  if (const auto* id = require_string("id"); id != nullptr && !IsValidModelId(id->get_string())) {
    problems.push_back(
        "id must be \"owner/name\" (or one name), each part 1-96 characters of letters, digits, '.', '_' or '-'");
  }
  require_string("name");
  require_string("description");
  require_string("size");
  if (const auto* task = require_string("task"); task != nullptr && !OneOf(task->get_string(), kTasks)) {
    problems.push_back(fmt::format("task \"{}\" is not one of text-generation, image-text-to-text",
                                   std::string_view(task->get_string())));
  }
  if (const auto* engines = common::Find(entry, "supportedEngines");
      engines == nullptr || !engines->is_array() || engines->get_array().empty()) {
    problems.push_back("supportedEngines is required and must be a non-empty list");
  } else {
    std::set<std::string_view> seen;
    for (const auto& engine : engines->get_array()) {
      if (!engine.is_string() || !OneOf(engine.get_string(), kEngines)) {
        problems.push_back(fmt::format("supportedEngines has {} which is not one of vllm, sglang, trtllm, llamacpp",
                                       common::ToJson(engine)));
      } else if (!seen.insert(engine.get_string()).second) {
        problems.push_back(fmt::format("supportedEngines lists \"{}\" twice", std::string_view(engine.get_string())));
      }
    }
  }
  for (std::string_view key : {"conversational", "gated"}) {
    if (const auto* value = common::Find(entry, key); value != nullptr && !value->is_bool()) {
      problems.push_back(fmt::format("{} must be true or false", key));
    }
  }
  if (const auto* value = common::Find(entry, "license"); value != nullptr && !IsNonEmptyString(*value)) {
    problems.push_back("license must be a non-empty string");
  }
  if (const auto* value = common::Find(entry, "contextLength"); value != nullptr && !IsPositiveInteger(*value)) {
    problems.push_back("contextLength must be a positive integer (tokens)");
  }
  if (const auto* value = common::Find(entry, "parameters"); value != nullptr && !IsPositiveInteger(*value)) {
    problems.push_back("parameters must be a positive integer (the parameter count)");
  }
  if (const auto* value = common::Find(entry, "minGpus"); value != nullptr && !IsNonNegativeInteger(*value)) {
    problems.push_back("minGpus must be an integer >= 0");
  }
  if (const auto* value = common::Find(entry, "minGpuMemory"); value != nullptr) {
    if (!value->is_string() || !ParseGpuMemoryGb(value->get_string())) {
      problems.push_back(fmt::format("minGpuMemory {} is not a memory size like \"16GB\"", common::ToJson(*value)));
    }
  }
}

}  // namespace

common::Result<Catalog> Catalog::Parse(std::string_view text, std::string_view source) {
  auto parsed = common::ParseJson(text);
  if (!parsed) {
    return common::MakeError(ErrorCode::kInvalid, fmt::format("model catalog {}: {}", source, parsed.error().message),
                             "InvalidCatalog");
  }
  const boost::json::array* models = nullptr;
  if (parsed->is_array()) {
    models = &parsed->get_array();
  } else if (parsed->is_object()) {
    models = common::GetArray(parsed->get_object(), "models");
  }
  if (models == nullptr) {
    return common::MakeError(ErrorCode::kInvalid,
                             fmt::format("model catalog {}: expected {{\"models\": [...]}} or a list of models", source),
                             "InvalidCatalog");
  }
  std::vector<std::string> errors;
  std::set<std::string, std::less<>> ids;
  for (std::size_t i = 0; i < models->size(); ++i) {
    const auto& item = (*models)[i];
    if (!item.is_object()) {
      errors.push_back(fmt::format("models[{}]: must be an object", i));
      continue;
    }
    const auto& entry = item.get_object();
    auto id = common::GetString(entry, "id");
    std::string label = id ? fmt::format("models[{}] (\"{}\")", i, *id) : fmt::format("models[{}]", i);
    std::vector<std::string> problems;
    ValidateEntry(entry, problems);
    if (id && !id->empty() && !ids.emplace(*id).second) problems.push_back("duplicate id (an earlier entry has it)");
    for (const auto& problem : problems) errors.push_back(label + ": " + problem);
  }
  if (models->empty()) errors.push_back("the catalog has no models");
  if (!errors.empty()) {
    constexpr std::size_t kShown = 10;
    std::string message = fmt::format("model catalog {} is invalid: ", source);
    for (std::size_t i = 0; i < errors.size() && i < kShown; ++i) {
      if (i > 0) message += "; ";
      message += errors[i];
    }
    if (errors.size() > kShown) message += fmt::format("; and {} more problems", errors.size() - kShown);
    return common::MakeError(ErrorCode::kInvalid, std::move(message), "InvalidCatalog");
  }
  Catalog catalog;
  catalog.models_ = *models;
  return catalog;
}

common::Result<Catalog> Catalog::LoadFile(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) {
    return common::MakeError(ErrorCode::kNotFound, fmt::format("model catalog {}: cannot open the file", path),
                             "CatalogNotFound");
  }
  std::ostringstream text;
  text << in.rdbuf();
  return Parse(text.str(), path);
}

common::Result<Catalog> Catalog::LoadEmbedded() { return Parse(EmbeddedCatalogJson(), "(built in)"); }

const boost::json::object* Catalog::Find(std::string_view id) const {
  for (const auto& model : models_) {
    const auto& object = model.get_object();
    if (auto value = common::GetString(object, "id"); value && *value == id) return &object;
  }
  return nullptr;
}

}  // namespace airunway::catalog
