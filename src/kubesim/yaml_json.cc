#include "kubesim/yaml_json.h"

#include <boost/json.hpp>
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <exception>
#include <regex>
#include <string>
#include <string_view>

namespace airunway::kubesim {

namespace json = boost::json;

namespace {

bool InSet(std::string_view s, std::initializer_list<std::string_view> set) {
  return std::find(set.begin(), set.end(), s) != set.end();
}

std::string WithoutUnderscores(std::string_view s) {
  std::string out;
  for (char c : s) {
    if (c != '_') out += c;
  }
  return out;
}

// YAML 1.1 resolution of a plain scalar, as the Go YAML library used by the apiserver does.
json::value ResolvePlainScalar(const std::string& s) {
  if (InSet(s, {"", "~", "null", "Null", "NULL"})) return nullptr;
  if (InSet(s, {"true", "True", "TRUE", "yes", "Yes", "YES", "on", "On", "ON"})) return true;
  if (InSet(s, {"false", "False", "FALSE", "no", "No", "NO", "off", "Off", "OFF"})) return false;
  static const std::regex kDecimal("^[-+]?(0|[1-9][0-9_]*)$");
  static const std::regex kHex("^[-+]?0x[0-9a-fA-F_]+$");
  static const std::regex kOctal("^[-+]?0o?[0-7_]+$");
  static const std::regex kFloat("^[-+]?(\\.[0-9]+|[0-9][0-9_]*(\\.[0-9_]*)?)([eE][-+]?[0-9]+)?$");
  try {
    if (std::regex_match(s, kDecimal)) {
      const std::string digits = WithoutUnderscores(s);
      std::size_t used = 0;
      const long long v = std::stoll(digits, &used, 10);
      if (used == digits.size()) return static_cast<std::int64_t>(v);
    }
    const bool negative = s.front() == '-';
    const std::string unsigned_part = WithoutUnderscores(s.front() == '-' || s.front() == '+' ? s.substr(1) : s);
    if (std::regex_match(s, kHex)) {
      const long long v = std::stoll(unsigned_part.substr(2), nullptr, 16);
      return static_cast<std::int64_t>(negative ? -v : v);
    }
    if (std::regex_match(s, kOctal)) {
      const std::string digits = unsigned_part.rfind("0o", 0) == 0 ? unsigned_part.substr(2) : unsigned_part;
      const long long v = std::stoll(digits, nullptr, 8);
      return static_cast<std::int64_t>(negative ? -v : v);
    }
    if (std::regex_match(s, kFloat)) return std::stod(WithoutUnderscores(s));
  } catch (const std::exception&) {
    // Out of range: fall through and keep the text.
  }
  return json::value(s);
}

json::value Convert(const YAML::Node& node, YamlScalars scalars) {
  switch (node.Type()) {
    case YAML::NodeType::Null:
    case YAML::NodeType::Undefined:
      return nullptr;
    case YAML::NodeType::Scalar: {
      if (scalars == YamlScalars::kStrings) return json::value(node.Scalar());
      const std::string& tag = node.Tag();
      if (tag == "?") return ResolvePlainScalar(node.Scalar());
      if (tag == "tag:yaml.org,2002:int" || tag == "tag:yaml.org,2002:float" ||
          tag == "tag:yaml.org,2002:bool" || tag == "tag:yaml.org,2002:null") {
        return ResolvePlainScalar(node.Scalar());
      }
      return json::value(node.Scalar());  // quoted, block or !!str
    }
    case YAML::NodeType::Sequence: {
      json::array out;
      for (const auto& item : node) out.push_back(Convert(item, scalars));
      return out;
    }
    case YAML::NodeType::Map: {
      json::object out;
      for (const auto& member : node) {
        const YAML::Node& key = member.first;
        std::string name = key.IsScalar() ? key.Scalar() : YAML::Dump(key);
        out[name] = Convert(member.second, scalars);
      }
      return out;
    }
  }
  return nullptr;
}

}  // namespace

json::value YamlNodeToJson(const YAML::Node& node, YamlScalars scalars) { return Convert(node, scalars); }

}  // namespace airunway::kubesim
