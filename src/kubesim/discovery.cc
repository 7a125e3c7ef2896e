#include "kubesim/discovery.h"

#include <boost/json/serialize.hpp>

#include <algorithm>
#include <cctype>
#include <cstdlib>

#include "common/json.h"

namespace airunway::kubesim {

namespace json = boost::json;

boost::json::object VersionDocument(const VersionInfo& info) {
  return json::object{{"major", info.major},           {"minor", info.minor},
                      {"gitVersion", info.git_version}, {"gitCommit", info.git_commit},
                      {"gitTreeState", info.git_tree_state}, {"buildDate", info.build_date},
                      {"goVersion", info.go_version},   {"compiler", info.compiler},
                      {"platform", info.platform},
                      // Not a Kubernetes field: lets AI Runway show a "simulated cluster" badge
                      // (clients that decode /version into a struct ignore unknown keys).
                      {"kubesim", true}};
}

// ---------------------------------------------------------------------------------------------
// Accept parsing

namespace {

std::string_view Trim(std::string_view s) {
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
  while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
  return s;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Splits on `sep` outside double quotes.
std::vector<std::string_view> Split(std::string_view s, char sep) {
  std::vector<std::string_view> out;
  bool quoted = false;
  std::size_t start = 0;
  for (std::size_t i = 0; i < s.size(); ++i) {
    if (s[i] == '"') quoted = !quoted;
    if (s[i] == sep && !quoted) {
      out.push_back(s.substr(start, i - start));
      start = i + 1;
    }
  }
  out.push_back(s.substr(start));
  return out;
}

}  // namespace

std::string_view MediaRange::Param(std::string_view name) const {
  auto it = params.find(std::string(name));
  return it == params.end() ? std::string_view() : std::string_view(it->second);
}

std::vector<MediaRange> ParseAccept(std::string_view header) {
  std::vector<MediaRange> out;
  for (std::string_view entry : Split(header, ',')) {
    entry = Trim(entry);
    if (entry.empty()) continue;
    auto parts = Split(entry, ';');
    MediaRange range;
    range.type = Lower(Trim(parts[0]));
    for (std::size_t i = 1; i < parts.size(); ++i) {
      std::string_view p = Trim(parts[i]);
      auto eq = p.find('=');
      if (eq == std::string_view::npos) continue;
      std::string key = Lower(Trim(p.substr(0, eq)));
      std::string_view value = Trim(p.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      if (key == "q") {
        range.q = std::strtod(std::string(value).c_str(), nullptr);
      } else {
        range.params[key] = std::string(value);
      }
    }
    if (range.q > 0) out.push_back(std::move(range));
  }
  if (out.empty() && Trim(header).empty()) out.push_back(MediaRange{"*/*", {}, 1.0});
  std::stable_sort(out.begin(), out.end(),
                   [](const MediaRange& a, const MediaRange& b) { return a.q > b.q; });
  return out;
}

bool AcceptsPlainJson(const MediaRange& range) {
  if (range.type != "application/json" && range.type != "application/*" && range.type != "*/*") {
    return false;
  }
  // A range that names another representation (as=Table, g=apidiscovery...) is not plain.
  return range.params.count("as") == 0 && range.params.count("g") == 0;
}

std::optional<DiscoveryFormat> NegotiateDiscovery(std::string_view accept) {
  for (const MediaRange& r : ParseAccept(accept)) {
    if (r.type == "application/json" && r.Param("g") == "apidiscovery.k8s.io" &&
        r.Param("as") == "APIGroupDiscoveryList") {
      if (r.Param("v") == "v2") return DiscoveryFormat::kAggregatedV2;
      if (r.Param("v") == "v2beta1") return DiscoveryFormat::kAggregatedV2Beta1;
      continue;
    }
    if (AcceptsPlainJson(r)) return DiscoveryFormat::kLegacy;
  }
  return std::nullopt;
}

std::string_view DiscoveryContentType(DiscoveryFormat format) {
  switch (format) {
    case DiscoveryFormat::kAggregatedV2:
      return "application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList";
    case DiscoveryFormat::kAggregatedV2Beta1:
      return "application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList";
    case DiscoveryFormat::kLegacy:
      break;
  }
  return "application/json";
}

// ---------------------------------------------------------------------------------------------
// Documents

namespace {

json::array Strings(const std::vector<std::string>& v) { return json::array(v.begin(), v.end()); }

json::object GroupVersionForDiscovery(std::string_view group, std::string_view version) {
  std::string gv = group.empty() ? std::string(version) : std::string(group) + "/" + std::string(version);
  return json::object{{"groupVersion", gv}, {"version", version}};
}

json::object GroupDocument(const ApiGroupInfo& g) {
  json::array versions;
  for (const auto& v : g.versions) versions.push_back(GroupVersionForDiscovery(g.name, v));
  json::object doc{{"name", g.name}, {"versions", std::move(versions)}};
  if (!g.versions.empty()) {
    doc["preferredVersion"] = GroupVersionForDiscovery(g.name, g.versions.front());
  }
  return doc;
}

json::object Gvk(const GroupVersionKind& gvk) {
  return json::object{{"group", gvk.group}, {"version", gvk.version}, {"kind", gvk.kind}};
}

json::object AggregatedResource(const ResourceType& t) {
  json::object r{{"resource", t.resource},
                 {"responseKind", Gvk(t.Gvk())},
                 {"scope", t.namespaced ? "Namespaced" : "Cluster"},
                 {"singularResource", t.singular},
                 {"verbs", Strings(t.verbs)}};
  if (!t.short_names.empty()) r["shortNames"] = Strings(t.short_names);
  if (!t.categories.empty()) r["categories"] = Strings(t.categories);
  if (!t.subresources.empty()) {
    json::array subs;
    for (const auto& s : t.subresources) {
      subs.push_back(json::object{{"subresource", s.name},
                                  {"responseKind", Gvk(s.response_kind)},
                                  {"verbs", Strings(s.verbs)}});
    }
    r["subresources"] = std::move(subs);
  }
  return r;
}

}  // namespace

json::object ApiVersionsDocument(const RegistrySnapshot& snapshot,
                                 std::string_view server_address) {
  json::array versions;
  if (const ApiGroupInfo* core = snapshot.FindGroup("")) {
    for (const auto& v : core->versions) versions.emplace_back(v);
  }
  json::array addresses;
  if (!server_address.empty()) {
    addresses.push_back(json::object{{"clientCIDR", "0.0.0.0/0"}, {"serverAddress", server_address}});
  }
  return json::object{{"kind", "APIVersions"},
                      {"versions", std::move(versions)},
                      {"serverAddressByClientCIDRs", std::move(addresses)}};
}

json::object ApiGroupListDocument(const RegistrySnapshot& snapshot) {
  json::array groups;
  for (const auto& g : snapshot.groups()) {
    if (!g.name.empty()) groups.push_back(GroupDocument(g));
  }
  return json::object{{"kind", "APIGroupList"}, {"apiVersion", "v1"}, {"groups", std::move(groups)}};
}

std::optional<json::object> ApiGroupDocument(const RegistrySnapshot& snapshot,
                                             std::string_view group) {
  const ApiGroupInfo* g = group.empty() ? nullptr : snapshot.FindGroup(group);
  if (g == nullptr) return std::nullopt;
  json::object doc{{"kind", "APIGroup"}, {"apiVersion", "v1"}};
  for (auto& [k, v] : GroupDocument(*g)) doc[k] = v;
  return doc;
}

std::optional<json::object> ApiResourceListDocument(const RegistrySnapshot& snapshot,
                                                    std::string_view group,
                                                    std::string_view version) {
  auto types = snapshot.ForGroupVersion(group, version);
  if (types.empty()) return std::nullopt;
  json::array resources;
  for (const auto& t : types) {
    json::object r{{"name", t->resource},
                   {"singularName", t->singular},
                   {"namespaced", t->namespaced},
                   {"kind", t->kind},
                   {"verbs", Strings(t->verbs)}};
    if (!t->short_names.empty()) r["shortNames"] = Strings(t->short_names);
    if (!t->categories.empty()) r["categories"] = Strings(t->categories);
    if (!t->storage_version_hash.empty()) r["storageVersionHash"] = t->storage_version_hash;
    resources.push_back(std::move(r));
    std::vector<const Subresource*> subs;
    for (const auto& s : t->subresources) subs.push_back(&s);
    std::sort(subs.begin(), subs.end(),
              [](const Subresource* a, const Subresource* b) { return a->name < b->name; });
    for (const Subresource* s : subs) {
      json::object sr{{"name", t->resource + "/" + s->name},
                      {"singularName", ""},
                      {"namespaced", t->namespaced}};
      if (s->response_kind.group != t->group || s->response_kind.version != t->version) {
        sr["group"] = s->response_kind.group;
        sr["version"] = s->response_kind.version;
      }
      sr["kind"] = s->response_kind.kind;
      sr["verbs"] = Strings(s->verbs);
      resources.push_back(std::move(sr));
    }
  }
  json::object doc{{"kind", "APIResourceList"}};
  // The core list goes out without apiVersion, as a real server sends it.
  if (!group.empty()) doc["apiVersion"] = "v1";
  doc["groupVersion"] = group.empty() ? std::string(version)
                                      : std::string(group) + "/" + std::string(version);
  doc["resources"] = std::move(resources);
  return doc;
}

json::object AggregatedDiscoveryDocument(const RegistrySnapshot& snapshot, bool core,
                                         DiscoveryFormat format) {
  json::array items;
  for (const auto& g : snapshot.groups()) {
    if (g.name.empty() != core) continue;
    json::array versions;
    for (const auto& v : g.versions) {
      json::array resources;
      for (const auto& t : snapshot.ForGroupVersion(g.name, v)) {
        resources.push_back(AggregatedResource(*t));
      }
      versions.push_back(json::object{
          {"version", v}, {"resources", std::move(resources)}, {"freshness", "Current"}});
    }
    json::object metadata;
    if (!g.name.empty()) metadata["name"] = g.name;
    items.push_back(json::object{{"metadata", std::move(metadata)}, {"versions", std::move(versions)}});
  }
  std::string api_version = format == DiscoveryFormat::kAggregatedV2Beta1
                                ? "apidiscovery.k8s.io/v2beta1"
                                : "apidiscovery.k8s.io/v2";
  return json::object{{"kind", "APIGroupDiscoveryList"},
                      {"apiVersion", api_version},
                      {"metadata", json::object{}},
                      {"items", std::move(items)}};
}

// ---------------------------------------------------------------------------------------------
// Service

namespace {

std::string_view StripPath(std::string_view path) {
  if (auto q = path.find('?'); q != std::string_view::npos) path = path.substr(0, q);
  while (path.size() > 1 && path.back() == '/') path.remove_suffix(1);
  return path;
}

std::vector<std::string_view> Segments(std::string_view path) {
  std::vector<std::string_view> out;
  for (std::string_view s : Split(path, '/')) {
    if (!s.empty()) out.push_back(s);
  }
  return out;
}

}  // namespace

DiscoveryService::DiscoveryService(const Registry& registry, std::string server_address,
                                   VersionInfo version)
    : registry_(registry),
      server_address_(std::move(server_address)),
      version_body_(json::serialize(VersionDocument(version))) {}

bool DiscoveryService::Handles(std::string_view path) {
  auto seg = Segments(StripPath(path));
  if (seg.empty()) return false;
  if (seg[0] == "version") return seg.size() == 1;
  if (seg[0] == "api") return seg.size() <= 2;
  if (seg[0] == "apis") return seg.size() <= 3;
  return false;
}

ApiResult<Document> DiscoveryService::Get(std::string_view raw_path, std::string_view accept) const {
  std::string_view path = StripPath(raw_path);
  auto seg = Segments(path);
  if (seg.size() == 1 && seg[0] == "version") return Document{version_body_, "application/json"};
  if (!Handles(path)) return NotFound("", "", "");

  // Only /api and /apis have an aggregated form; elsewhere the client must accept plain JSON.
  bool root = seg.size() == 1;
  DiscoveryFormat format = DiscoveryFormat::kLegacy;
  if (root) {
    auto f = NegotiateDiscovery(accept);
    if (!f) return NotAcceptable("only the following media types are accepted: application/json, application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList, application/json;g=apidiscovery.k8s.io;v=v2beta1;as=APIGroupDiscoveryList");
    format = *f;
  } else {
    auto ranges = ParseAccept(accept);
    if (std::none_of(ranges.begin(), ranges.end(), AcceptsPlainJson)) {
      return NotAcceptable("only the following media types are accepted: application/json");
    }
  }

  auto snapshot = registry_.Snapshot();
  std::string key = std::string(path) + "|" + std::to_string(static_cast<int>(format));
  {
    std::lock_guard lock(mutex_);
    // A thread holding an older snapshot must not roll the cache back.
    if (snapshot->generation() > cached_generation_) {
      cache_.clear();
      cached_generation_ = snapshot->generation();
    }
    if (snapshot->generation() == cached_generation_) {
      if (auto it = cache_.find(key); it != cache_.end()) return it->second;
    }
  }

  std::optional<json::object> doc;
  if (seg[0] == "api") {
    if (seg.size() == 1) {
      doc = format == DiscoveryFormat::kLegacy ? ApiVersionsDocument(*snapshot, server_address_)
                                               : AggregatedDiscoveryDocument(*snapshot, true, format);
    } else {
      doc = ApiResourceListDocument(*snapshot, "", seg[1]);
    }
  } else if (seg.size() == 1) {
    doc = format == DiscoveryFormat::kLegacy ? ApiGroupListDocument(*snapshot)
                                             : AggregatedDiscoveryDocument(*snapshot, false, format);
  } else if (seg.size() == 2) {
    doc = ApiGroupDocument(*snapshot, seg[1]);
  } else {
    doc = ApiResourceListDocument(*snapshot, seg[1], seg[2]);
  }
  if (!doc) return NotFound("", "", "");

  Document out{json::serialize(*doc), std::string(DiscoveryContentType(format))};
  std::lock_guard lock(mutex_);
  if (cached_generation_ == snapshot->generation()) cache_[key] = out;
  return out;
}

}  // namespace airunway::kubesim
