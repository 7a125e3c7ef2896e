#include "kubesim/names.h"

#include <boost/json/serialize.hpp>
#include <fmt/format.h>

namespace airunway::kubesim {
namespace {

constexpr std::string_view kSubdomainMessage =
    "a lowercase RFC 1123 subdomain must consist of lower case alphanumeric characters, '-' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kSubdomainRegex =
    "[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*";
constexpr std::string_view kLabelMessage =
    "a lowercase RFC 1123 label must consist of lower case alphanumeric characters or '-', and "
    "must start and end with an alphanumeric character";
constexpr std::string_view kLabelRegex = "[a-z0-9]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kDns1035Message =
    "a DNS-1035 label must consist of lower case alphanumeric characters or '-', start with an "
    "alphabetic character, and end with an alphanumeric character";
constexpr std::string_view kDns1035Regex = "[a-z]([-a-z0-9]*[a-z0-9])?";
constexpr std::string_view kQualifiedMessage =
    "must consist of alphanumeric characters, '-', '_' or '.', and must start and end with an "
    "alphanumeric character";
constexpr std::string_view kQualifiedRegex = "([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9]";
constexpr std::string_view kLabelValueMessage =
    "a valid label must be an empty string or consist of alphanumeric characters, '-', '_' or "
    "'.', and must start and end with an alphanumeric character";
constexpr std::string_view kLabelValueRegex = "(([A-Za-z0-9][-A-Za-z0-9_.]*)?[A-Za-z0-9])?";

bool IsLowerAlnum(char c) { return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'); }
bool IsLower(char c) { return c >= 'a' && c <= 'z'; }
bool IsAlnum(char c) {
  return IsLowerAlnum(c) || (c >= 'A' && c <= 'Z');
}

// The apimachinery rendering: "<msg> (e.g. 'a',  or 'b', regex used for validation is '<re>')"
// (the doubled space between examples is what the real server prints).
std::string RegexMessage(std::string_view message, std::string_view regex,
                         std::initializer_list<std::string_view> examples) {
  std::string out(message);
  out += " (e.g. ";
  bool first = true;
  for (auto example : examples) {
    if (!first) out += " or ";
    first = false;
    out += fmt::format("'{}', ", example);
  }
  out += fmt::format("regex used for validation is '{}')", regex);
  return out;
}

std::string MaxLenMessage(std::size_t length) {
  return fmt::format("must be no more than {} characters", length);
}

bool MatchesLabel(std::string_view s) {
  if (s.empty() || !IsLowerAlnum(s.front()) || !IsLowerAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsLowerAlnum(c) && c != '-') return false;
  }
  return true;
}

bool MatchesSubdomain(std::string_view s) {
  if (s.empty()) return false;
  std::size_t start = 0;
  while (true) {
    std::size_t dot = s.find('.', start);
    std::string_view part = s.substr(start, dot == std::string_view::npos ? s.size() - start : dot - start);
    if (!MatchesLabel(part)) return false;
    if (dot == std::string_view::npos) return true;
    start = dot + 1;
  }
}

bool MatchesQualifiedPart(std::string_view s) {
  if (s.empty() || !IsAlnum(s.front()) || !IsAlnum(s.back())) return false;
  for (char c : s) {
    if (!IsAlnum(c) && c != '-' && c != '_' && c != '.') return false;
  }
  return true;
}

}  // namespace

NameRule NameRuleFor(std::string_view group, std::string_view resource) {
  if (group.empty() && resource == "namespaces") return NameRule::kDns1123Label;
  if (group.empty() && resource == "services") return NameRule::kDns1035Label;
  if (group == "rbac.authorization.k8s.io") return NameRule::kPathSegment;
  return NameRule::kDns1123Subdomain;
}

std::vector<std::string> IsDns1123Subdomain(std::string_view value) {
  std::vector<std::string> errors;
  if (value.size() > kDns1123SubdomainMaxLength) errors.push_back(MaxLenMessage(kDns1123SubdomainMaxLength));
  if (!MatchesSubdomain(value)) errors.push_back(RegexMessage(kSubdomainMessage, kSubdomainRegex, {"example.com"}));
  return errors;
}

std::vector<std::string> IsDns1123Label(std::string_view value) {
  std::vector<std::string> errors;
  if (value.size() > kDns1123LabelMaxLength) errors.push_back(MaxLenMessage(kDns1123LabelMaxLength));
  if (!MatchesLabel(value)) errors.push_back(RegexMessage(kLabelMessage, kLabelRegex, {"my-name", "123-abc"}));
  return errors;
}

std::vector<std::string> IsDns1035Label(std::string_view value) {
  std::vector<std::string> errors;
  if (value.size() > kDns1123LabelMaxLength) errors.push_back(MaxLenMessage(kDns1123LabelMaxLength));
  if (!MatchesLabel(value) || !IsLower(value.front())) {
    errors.push_back(RegexMessage(kDns1035Message, kDns1035Regex, {"my-name", "abc-123"}));
  }
  return errors;
}

std::vector<std::string> IsPathSegmentName(std::string_view value) {
  std::vector<std::string> errors;
  if (value == "." || value == "..") {
    errors.push_back(fmt::format("may not be '{}'", value));
    return errors;
  }
  for (std::string_view bad : {"/", "%"}) {
    if (value.find(bad) != std::string_view::npos) errors.push_back(fmt::format("may not contain '{}'", bad));
  }
  return errors;
}

std::vector<std::string> IsQualifiedName(std::string_view value) {
  std::vector<std::string> errors;
  std::string_view name = value;
  std::size_t slash = value.find('/');
  if (slash != std::string_view::npos) {
    if (value.find('/', slash + 1) != std::string_view::npos) {
      errors.push_back("a qualified name " +
                       RegexMessage(kQualifiedMessage, kQualifiedRegex, {"MyName", "my.name", "123-abc"}) +
                       " with an optional DNS subdomain prefix and '/' (e.g. 'example.com/MyName')");
      return errors;
    }
    std::string_view prefix = value.substr(0, slash);
    name = value.substr(slash + 1);
    if (prefix.empty()) {
      errors.push_back("prefix part must be non-empty");
    } else {
      for (auto& message : IsDns1123Subdomain(prefix)) errors.push_back("prefix part " + message);
    }
  }
  if (name.empty()) {
    errors.push_back("name part must be non-empty");
  } else if (name.size() > kQualifiedNameMaxLength) {
    errors.push_back("name part " + MaxLenMessage(kQualifiedNameMaxLength));
  }
  if (!MatchesQualifiedPart(name)) {
    errors.push_back("name part " +
                     RegexMessage(kQualifiedMessage, kQualifiedRegex, {"MyName", "my.name", "123-abc"}));
  }
  return errors;
}

std::vector<std::string> IsValidLabelValue(std::string_view value) {
  std::vector<std::string> errors;
  if (value.size() > kLabelValueMaxLength) errors.push_back(MaxLenMessage(kLabelValueMaxLength));
  if (!value.empty() && !MatchesQualifiedPart(value)) {
    errors.push_back(RegexMessage(kLabelValueMessage, kLabelValueRegex, {"MyValue", "my_value", "12345"}));
  }
  return errors;
}

std::vector<std::string> CheckName(NameRule rule, std::string_view value) {
  switch (rule) {
    case NameRule::kDns1123Subdomain: return IsDns1123Subdomain(value);
    case NameRule::kDns1123Label: return IsDns1123Label(value);
    case NameRule::kDns1035Label: return IsDns1035Label(value);
    case NameRule::kPathSegment: return IsPathSegmentName(value);
  }
  return {};
}

std::string InvalidValueMessage(std::string_view value, std::string_view detail) {
  // Go's %q quoting: the JSON string escaping is close enough for names and labels.
  return fmt::format("Invalid value: {}: {}", boost::json::serialize(boost::json::string_view(value.data(), value.size())),
                     detail);
}

StatusCause InvalidCause(std::string field, std::string_view value, std::string_view detail) {
  return StatusCause{"FieldValueInvalid", InvalidValueMessage(value, detail), std::move(field)};
}

StatusCause RequiredCause(std::string field, std::string_view detail) {
  return StatusCause{"FieldValueRequired", fmt::format("Required value: {}", detail), std::move(field)};
}

StatusCause ForbiddenCause(std::string field, std::string_view detail) {
  return StatusCause{"FieldValueForbidden", fmt::format("Forbidden: {}", detail), std::move(field)};
}

void ValidateLabelsAndAnnotations(const boost::json::object& metadata, std::vector<StatusCause>& causes) {
  if (const auto* labels = metadata.if_contains("labels")) {
    if (labels->is_object()) {
      for (const auto& [key, value] : labels->get_object()) {
        for (auto& message : IsQualifiedName(key)) causes.push_back(InvalidCause("metadata.labels", key, message));
        if (!value.is_string()) {
          causes.push_back(InvalidCause("metadata.labels", key, "label values must be strings"));
          continue;
        }
        std::string_view text = value.get_string();
        for (auto& message : IsValidLabelValue(text)) causes.push_back(InvalidCause("metadata.labels", text, message));
      }
    } else if (!labels->is_null()) {
      causes.push_back(InvalidCause("metadata.labels", "", "must be an object of string values"));
    }
  }
  if (const auto* annotations = metadata.if_contains("annotations")) {
    if (annotations->is_object()) {
      std::size_t total = 0;
      for (const auto& [key, value] : annotations->get_object()) {
        std::string lowered(key);
        for (char& c : lowered) {
          if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        }
        for (auto& message : IsQualifiedName(lowered)) {
          causes.push_back(InvalidCause("metadata.annotations", key, message));
        }
        total += key.size();
        if (value.is_string()) {
          total += value.get_string().size();
        } else {
          causes.push_back(InvalidCause("metadata.annotations", key, "annotation values must be strings"));
        }
      }
      if (total > kTotalAnnotationSizeLimit) {
        causes.push_back(StatusCause{"FieldValueTooLong",
                                     fmt::format("Too long: may not be more than {} bytes", kTotalAnnotationSizeLimit),
                                     "metadata.annotations"});
      }
    } else if (!annotations->is_null()) {
      causes.push_back(InvalidCause("metadata.annotations", "", "must be an object of string values"));
    }
  }
}

}  // namespace airunway::kubesim
