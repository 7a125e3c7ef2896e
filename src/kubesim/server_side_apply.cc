#include "kubesim/server_side_apply.h"

#include <boost/json/parse.hpp>
#include <boost/json/serialize.hpp>

#include <algorithm>
#include <exception>
#include <map>
#include <tuple>
#include <utility>
#include <vector>

#include <fmt/format.h>
#include <fmt/ranges.h>
#include <yaml-cpp/yaml.h>

#include "common/time.h"
#include "kubesim/yaml_json.h"

namespace airunway::kubesim {

namespace json = boost::json;

namespace {

// ---- field sets ----

// A set of field paths in the FieldsV1 shape: children are keyed by path element
// ("f:name", "k:{...}", "v:...", "i:N"); `member` says the path to this node is in the set
// (serialised as "." when the node also has children).
struct FieldNode {
  bool member = false;
  std::map<std::string, FieldNode> children;

  bool Empty() const { return !member && children.empty(); }
};

bool operator==(const FieldNode& a, const FieldNode& b) {
  return a.member == b.member && a.children == b.children;
}

void Prune(FieldNode& node) {
  for (auto it = node.children.begin(); it != node.children.end();) {
    Prune(it->second);
    if (it->second.Empty()) {
      it = node.children.erase(it);
    } else {
      ++it;
    }
  }
}

void Union(FieldNode& a, const FieldNode& b) {
  a.member = a.member || b.member;
  for (const auto& [k, child] : b.children) Union(a.children[k], child);
}

FieldNode Difference(const FieldNode& a, const FieldNode& b) {
  FieldNode out;
  out.member = a.member && !b.member;
  for (const auto& [k, child] : a.children) {
    auto it = b.children.find(k);
    FieldNode sub = it == b.children.end() ? child : Difference(child, it->second);
    if (!sub.Empty()) out.children.emplace(k, std::move(sub));
  }
  return out;
}

FieldNode Intersection(const FieldNode& a, const FieldNode& b) {
  FieldNode out;
  out.member = a.member && b.member;
  for (const auto& [k, child] : a.children) {
    auto it = b.children.find(k);
    if (it == b.children.end()) continue;
    FieldNode sub = Intersection(child, it->second);
    if (!sub.Empty()) out.children.emplace(k, std::move(sub));
  }
  return out;
}

json::value ToFieldsV1(const FieldNode& node) {
  json::object out;
  if (node.member && !node.children.empty()) out["."] = json::object();
  for (const auto& [k, child] : node.children) out[k] = ToFieldsV1(child);
  return out;
}

FieldNode FromFieldsV1(const json::object& o) {
  FieldNode node;
  for (const auto& [k, v] : o) {
    if (k == ".") {
      node.member = true;
      continue;
    }
    FieldNode child = v.is_object() ? FromFieldsV1(v.get_object()) : FieldNode();
    if (child.children.empty()) child.member = true;
    node.children.emplace(std::string(k), std::move(child));
  }
  return node;
}

std::string JoinPath(const std::string& path, std::string_view field) {
  if (path.empty()) return std::string(field);
  return path + "." + std::string(field);
}

// The "k:{...}" element of a list item, or nullopt when it carries none of the key fields.
std::optional<std::string> ItemKey(const json::value& item, const std::vector<std::string>& key_fields) {
  if (!item.is_object() || key_fields.empty()) return std::nullopt;
  json::object key;
  for (const auto& k : key_fields) {
    if (const json::value* v = item.get_object().if_contains(k)) key[k] = *v;
  }
  if (key.empty()) return std::nullopt;
  return "k:" + GoJson(key);
}

// The key fields a keyed list uses, or empty when the list must be treated as atomic (not
// keyed, or an item without key fields).
std::vector<std::string> KeyFields(const ListRule& rule, const json::array& list) {
  if (rule.strategy != ListStrategy::kMergeByKey) return {};
  std::vector<std::string> fields = rule.keys;
  if (!rule.fallback_keys.empty()) {
    const bool carries = std::any_of(list.begin(), list.end(), [&](const json::value& item) {
      return item.is_object() && !rule.keys.empty() && item.get_object().contains(rule.keys.front());
    });
    if (!carries) fields = rule.fallback_keys;
  }
  for (const auto& item : list) {
    if (!ItemKey(item, fields)) return {};
  }
  return fields;
}

// The fields a value sets, as apply records them.
void AddValue(const json::value& v, const std::string& path, const MergeKeys& keys, FieldNode& node) {
  if (v.is_object() && !v.get_object().empty()) {
    for (const auto& [k, child] : v.get_object()) {
      AddValue(child, JoinPath(path, k), keys, node.children["f:" + std::string(k)]);
    }
    return;
  }
  if (v.is_array()) {
    const json::array& list = v.get_array();
    const ListRule rule = keys.Lookup(path);
    if (rule.strategy == ListStrategy::kMergeSet && !list.empty()) {
      for (const auto& item : list) node.children["v:" + GoJson(item)].member = true;
      return;
    }
    const std::vector<std::string> fields = KeyFields(rule, list);
    if (!fields.empty() && !list.empty()) {
      for (const auto& item : list) {
        FieldNode& child = node.children[*ItemKey(item, fields)];
        child.member = true;
        AddValue(item, path, keys, child);
      }
      return;
    }
  }
  node.member = true;
}

void AddSubtree(const json::value& v, const std::string& path, const MergeKeys& keys, FieldNode& node) {
  AddValue(v, path, keys, node);
  node.member = true;
}

// Added-or-modified and removed paths between two versions of an object.
void Compare(const json::value& old_value, const json::value& new_value, const std::string& path,
             const MergeKeys& keys, FieldNode& changed, FieldNode& removed) {
  if (old_value.is_object() && new_value.is_object()) {
    const json::object& o = old_value.get_object();
    const json::object& n = new_value.get_object();
    for (const auto& [k, nv] : n) {
      const std::string element = "f:" + std::string(k);
      const std::string child_path = JoinPath(path, k);
      if (const json::value* ov = o.if_contains(k)) {
        Compare(*ov, nv, child_path, keys, changed.children[element], removed.children[element]);
      } else if (path.empty() && k == "metadata") {
        // metadata always exists on a stored object, so it is never itself "added".
        Compare(json::value(json::object()), nv, child_path, keys, changed.children[element],
                removed.children[element]);
      } else {
        AddSubtree(nv, child_path, keys, changed.children[element]);
      }
    }
    for (const auto& [k, ov] : o) {
      if (!n.contains(k)) AddSubtree(ov, JoinPath(path, k), keys, removed.children["f:" + std::string(k)]);
    }
    Prune(changed);
    Prune(removed);
    return;
  }
  if (old_value.is_array() && new_value.is_array()) {
    const json::array& o = old_value.get_array();
    const json::array& n = new_value.get_array();
    const ListRule rule = keys.Lookup(path);
    if (rule.strategy == ListStrategy::kMergeSet) {
      for (const auto& item : n) {
        if (std::none_of(o.begin(), o.end(), [&](const json::value& x) { return JsonEqual(x, item); })) {
          changed.children["v:" + GoJson(item)].member = true;
        }
      }
      for (const auto& item : o) {
        if (std::none_of(n.begin(), n.end(), [&](const json::value& x) { return JsonEqual(x, item); })) {
          removed.children["v:" + GoJson(item)].member = true;
        }
      }
      return;
    }
    std::vector<std::string> fields = KeyFields(rule, o);
    if (!fields.empty() && KeyFields(rule, n) != fields) fields.clear();
    if (fields.empty() && rule.strategy == ListStrategy::kMergeByKey && o.empty()) fields = KeyFields(rule, n);
    if (!fields.empty()) {
      std::map<std::string, const json::value*> old_items;
      for (const auto& item : o) old_items.emplace(*ItemKey(item, fields), &item);
      std::map<std::string, const json::value*> new_items;
      for (const auto& item : n) new_items.emplace(*ItemKey(item, fields), &item);
      for (const auto& [k, item] : new_items) {
        auto it = old_items.find(k);
        if (it != old_items.end()) {
          Compare(*it->second, *item, path, keys, changed.children[k], removed.children[k]);
        } else {
          AddSubtree(*item, path, keys, changed.children[k]);
        }
      }
      for (const auto& [k, item] : old_items) {
        if (!new_items.contains(k)) AddSubtree(*item, path, keys, removed.children[k]);
      }
      Prune(changed);
      Prune(removed);
      return;
    }
  }
  if (!JsonEqual(old_value, new_value)) {
    if (old_value.kind() != new_value.kind() && (old_value.is_object() || old_value.is_array())) {
      AddValue(old_value, path, keys, removed);
    }
    AddSubtree(new_value, path, keys, changed);
  }
}

// ---- values ----

// Copy of an object without the fields no manager ever owns.
json::object Strip(const json::object& object, bool drop_status, bool only_status) {
  json::object out;
  for (const auto& [k, v] : object) {
    if (k == "apiVersion" || k == "kind") continue;
    if (only_status && k != "status") continue;
    if (drop_status && k == "status") continue;
    if (k == "metadata" && v.is_object()) {
      json::object meta = v.get_object();
      for (const char* ignored : {"name", "namespace", "uid", "resourceVersion", "generation",
                                  "creationTimestamp", "managedFields", "selfLink", "deletionTimestamp",
                                  "deletionGracePeriodSeconds"}) {
        meta.erase(ignored);
      }
      if (!meta.empty()) out[k] = std::move(meta);
      continue;
    }
    out[k] = v;
  }
  return out;
}

// The live object with the applied configuration merged in.
json::value ApplyMerge(const json::value& live, const json::value& config, const std::string& path,
                       const MergeKeys& keys) {
  if (live.is_object() && config.is_object()) {
    json::object out = live.get_object();
    for (const auto& [k, cv] : config.get_object()) {
      if (cv.is_null()) {
        out.erase(k);
        continue;
      }
      const json::value* lv = out.if_contains(k);
      out[k] = lv != nullptr ? ApplyMerge(*lv, cv, JoinPath(path, k), keys) : cv;
    }
    return out;
  }
  if (live.is_array() && config.is_array()) {
    const json::array& l = live.get_array();
    const json::array& c = config.get_array();
    const ListRule rule = keys.Lookup(path);
    if (rule.strategy == ListStrategy::kMergeSet) {
      json::array out = l;
      for (const auto& item : c) {
        if (std::none_of(out.begin(), out.end(), [&](const json::value& x) { return JsonEqual(x, item); })) {
          out.push_back(item);
        }
      }
      return out;
    }
    const std::vector<std::string> fields = KeyFields(rule, c);
    if (!fields.empty() && KeyFields(rule, l) == fields) {
      json::array out = l;
      for (const auto& item : c) {
        const std::string key = *ItemKey(item, fields);
        auto match = std::find_if(out.begin(), out.end(),
                                  [&](const json::value& x) { return ItemKey(x, fields) == key; });
        if (match != out.end()) {
          *match = ApplyMerge(*match, item, path, keys);
        } else {
          out.push_back(item);
        }
      }
      return out;
    }
  }
  return config;
}

// Removes the member paths of `doomed` from `v`. Objects emptied by the removal go too,
// unless the applied set `keep` still names them.
void RemovePaths(json::value& v, const FieldNode& doomed, const FieldNode* keep, const std::string& path,
                 const MergeKeys& keys) {
  if (v.is_object()) {
    json::object& o = v.get_object();
    for (const auto& [element, child] : doomed.children) {
      if (!element.starts_with("f:")) continue;
      const std::string name = element.substr(2);
      auto it = o.find(name);
      if (it == o.end()) continue;
      if (child.member) {
        o.erase(it);
        continue;
      }
      const FieldNode* keep_child = nullptr;
      if (keep != nullptr) {
        auto k = keep->children.find(element);
        if (k != keep->children.end()) keep_child = &k->second;
      }
      RemovePaths(it->value(), child, keep_child, JoinPath(path, name), keys);
      if (it->value().is_object() && it->value().get_object().empty() && keep_child == nullptr) o.erase(it);
    }
    return;
  }
  if (v.is_array()) {
    json::array& list = v.get_array();
    const ListRule rule = keys.Lookup(path);
    const std::vector<std::string> fields = KeyFields(rule, list);
    for (const auto& [element, child] : doomed.children) {
      if (element.starts_with("v:")) {
        const json::value doomed_value = json::parse(element.substr(2));
        list.erase(std::remove_if(list.begin(), list.end(),
                                  [&](const json::value& x) { return JsonEqual(x, doomed_value); }),
                   list.end());
      } else if (element.starts_with("k:") && !fields.empty()) {
        auto match = std::find_if(list.begin(), list.end(),
                                  [&](const json::value& x) { return ItemKey(x, fields) == element; });
        if (match == list.end()) continue;
        if (child.member) {
          list.erase(match);
        } else {
          const FieldNode* keep_child = nullptr;
          if (keep != nullptr) {
            auto k = keep->children.find(element);
            if (k != keep->children.end()) keep_child = &k->second;
          }
          RemovePaths(*match, child, keep_child, path, keys);
        }
      }
    }
  }
}

// ---- managedFields entries ----

struct Entry {
  std::string manager;
  std::string operation;
  std::string api_version;
  std::string time;
  std::string subresource;
  FieldNode set;
};

std::string Identity(std::string_view manager, std::string_view operation, std::string_view api_version,
                     std::string_view subresource) {
  // Appliers are one identity whatever version they apply with.
  return fmt::format("{}\x1f{}\x1f{}\x1f{}", manager, operation, operation == "Apply" ? "" : api_version,
                     subresource);
}

std::string Identity(const Entry& e) { return Identity(e.manager, e.operation, e.api_version, e.subresource); }

std::string StringField(const json::object& o, std::string_view key) {
  const json::value* v = o.if_contains(key);
  return v != nullptr && v->is_string() ? std::string(v->get_string()) : std::string();
}

const json::array* ManagedFieldsOf(const json::object& object) {
  const json::value* meta = object.if_contains("metadata");
  if (meta == nullptr || !meta->is_object()) return nullptr;
  const json::value* mf = meta->get_object().if_contains("managedFields");
  return mf != nullptr && mf->is_array() ? &mf->get_array() : nullptr;
}

std::vector<Entry> ParseEntries(const json::array* list) {
  std::vector<Entry> out;
  if (list == nullptr) return out;
  for (const auto& raw : *list) {
    if (!raw.is_object()) continue;
    const json::object& o = raw.get_object();
    Entry e;
    e.manager = StringField(o, "manager");
    e.operation = StringField(o, "operation");
    e.api_version = StringField(o, "apiVersion");
    e.time = StringField(o, "time");
    e.subresource = StringField(o, "subresource");
    if (const json::value* f = o.if_contains("fieldsV1"); f != nullptr && f->is_object()) {
      e.set = FromFieldsV1(f->get_object());
      e.set.member = false;
    }
    out.push_back(std::move(e));
  }
  return out;
}

void WriteEntries(json::object& object, std::vector<Entry> entries) {
  entries.erase(std::remove_if(entries.begin(), entries.end(), [](const Entry& e) { return e.set.Empty(); }),
                entries.end());
  // The apiserver's order: by operation (Apply before Update), then time, manager, version.
  std::stable_sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) {
    return std::tie(a.operation, a.time, a.manager, a.api_version, a.subresource) <
           std::tie(b.operation, b.time, b.manager, b.api_version, b.subresource);
  });
  json::value& meta = object["metadata"];
  if (!meta.is_object()) meta = json::object();
  if (entries.empty()) {
    meta.get_object().erase("managedFields");
    return;
  }
  json::array list;
  for (const auto& e : entries) {
    json::object o;
    o["manager"] = e.manager;
    o["operation"] = e.operation;
    o["apiVersion"] = e.api_version;
    if (!e.time.empty()) o["time"] = e.time;
    o["fieldsType"] = "FieldsV1";
    o["fieldsV1"] = ToFieldsV1(e.set);
    if (!e.subresource.empty()) o["subresource"] = e.subresource;
    list.push_back(std::move(o));
  }
  meta.get_object()["managedFields"] = std::move(list);
}

// ---- conflicts ----

std::string ValueToString(const json::value& v) {
  if (v.is_string()) return GoQuote(v.get_string());
  if (v.is_null()) return "null";
  if (v.is_array()) {
    std::string out = "[";
    for (std::size_t i = 0; i < v.get_array().size(); ++i) {
      if (i > 0) out += ",";
      out += ValueToString(v.get_array()[i]);
    }
    return out + "]";
  }
  if (v.is_object()) {
    std::string out;
    for (const auto& [k, x] : v.get_object()) out += std::string(k) + "=" + ValueToString(x);
    return out;
  }
  return GoFormat(v);
}

std::string ElementToString(const std::string& element) {
  const std::string rest = element.substr(2);
  if (element.starts_with("f:")) return "." + rest;
  if (element.starts_with("i:")) return "[" + rest + "]";
  boost::system::error_code ec;
  json::value parsed = json::parse(rest, ec);
  if (ec) return "[" + rest + "]";
  if (element.starts_with("v:")) return "[=" + ValueToString(parsed) + "]";
  std::string out = "[";
  bool first = true;
  if (parsed.is_object()) {
    for (const auto& [k, v] : parsed.get_object()) {
      if (!first) out += ",";
      first = false;
      out += std::string(k) + "=" + ValueToString(v);
    }
  }
  return out + "]";
}

void MemberPaths(const FieldNode& node, const std::string& prefix, std::vector<std::string>& out) {
  if (node.member && !prefix.empty()) out.push_back(prefix);
  for (const auto& [element, child] : node.children) MemberPaths(child, prefix + ElementToString(element), out);
}

std::string PrintManager(const Entry& e) {
  std::string out = GoQuote(e.manager);
  if (!e.subresource.empty()) out += fmt::format(" with subresource {}", GoQuote(e.subresource));
  if (e.operation == "Update") out += fmt::format(" using {}", e.api_version);
  return out;
}

ApiStatus ConflictStatus(const std::vector<std::pair<const Entry*, FieldNode>>& conflicts) {
  ApiStatus s;
  s.code = 409;
  s.reason = "Conflict";
  std::vector<std::pair<std::string, std::vector<std::string>>> by_manager;
  std::size_t total = 0;
  for (const auto& [entry, set] : conflicts) {
    std::vector<std::string> paths;
    MemberPaths(set, "", paths);
    for (const auto& p : paths) {
      s.causes.push_back(StatusCause{"FieldManagerConflict", "conflict with " + PrintManager(*entry), p});
    }
    total += paths.size();
    by_manager.emplace_back(PrintManager(*entry), std::move(paths));
  }
  if (total == 1) {
    s.message = fmt::format("Apply failed with 1 conflict: conflict with {}: {}", by_manager[0].first,
                            by_manager[0].second[0]);
    return s;
  }
  std::sort(by_manager.begin(), by_manager.end());
  std::vector<std::string> lines;
  for (const auto& [manager, paths] : by_manager) {
    lines.push_back(fmt::format("conflicts with {}:", manager));
    for (const auto& p : paths) lines.push_back("- " + p);
  }
  s.message = fmt::format("Apply failed with {} conflicts: {}", total, fmt::join(lines, "\n"));
  return s;
}

}  // namespace

// ---- public ----

ApiResult<boost::json::value> YamlToJson(std::string_view yaml) {
  try {
    YAML::Node node = YAML::Load(std::string(yaml));
    return YamlNodeToJson(node, YamlScalars::kTyped);
  } catch (const YAML::Exception& e) {
    return BadRequest(fmt::format("error encoding patch: yaml: line {}: {}", e.mark.line + 1, e.msg));
  } catch (const std::exception& e) {
    return BadRequest(fmt::format("error encoding patch: {}", e.what()));
  }
}

ApiResult<boost::json::object> ParseApplyBody(std::string_view body) {
  boost::system::error_code ec;
  json::value value = json::parse(body, ec);
  if (ec) {
    auto converted = YamlToJson(body);
    if (!IsOk(converted)) return std::get<1>(converted);
    value = std::move(std::get<0>(converted));
  }
  if (value.is_null()) return json::object();
  if (!value.is_object()) {
    return BadRequest(fmt::format(
        "error decoding patch: json: cannot unmarshal {} into Go value of type map[string]interface {{}}",
        GoJsonKind(value)));
  }
  return std::move(value.get_object());
}

std::optional<ApiStatus> CheckPatchOptions(PatchType type, std::string_view field_manager, bool force_given) {
  std::vector<StatusCause> causes;
  if (type == PatchType::kApply) {
    if (field_manager.empty()) {
      causes.push_back({"FieldValueRequired", "Required value: is required for apply patch", "fieldManager"});
    }
  } else if (force_given) {
    causes.push_back({"FieldValueForbidden", "Forbidden: may not be specified for non-apply patch", "force"});
  }
  if (field_manager.size() > 128) {
    causes.push_back({"FieldValueTooLong", "Too long: may not be more than 128 bytes", "fieldManager"});
  }
  if (causes.empty()) return std::nullopt;
  return Invalid("PatchOptions", "meta.k8s.io", "", std::move(causes));
}

std::string ManagerFromRequest(std::string_view field_manager, std::string_view user_agent) {
  if (!field_manager.empty()) return std::string(field_manager);
  const std::string_view prefix = user_agent.substr(0, user_agent.find('/'));
  std::string out;
  for (char c : prefix) {
    if (static_cast<unsigned char>(c) < 0x20 || c == 0x7f) continue;
    if (out.size() >= 128) break;
    out += c;
  }
  return out;
}

ApiResult<ApplyResult> ServerSideApply(const boost::json::object* live, const boost::json::object& config,
                                       const MergeKeys& keys, const ApplyOptions& options) {
  try {
    if (const json::array* mf = ManagedFieldsOf(config); mf != nullptr) {
      return BadRequest("metadata.managedFields must be nil");
    }
    if (!options.api_version.empty()) {
      const std::string version = StringField(config, "apiVersion");
      if (version != options.api_version) {
        return BadRequest(fmt::format(
            "Incorrect version specified in apply patch. Specified patch version: {}, expected: {}", version,
            options.api_version));
      }
    }
    const bool on_status = options.subresource == "status";
    const bool drop_status = options.status_is_subresource && !on_status;
    const std::string now = common::FormatRfc3339Seconds(options.now);

    json::object live_object = live != nullptr ? *live : json::object();
    std::vector<Entry> entries = ParseEntries(ManagedFieldsOf(live_object));
    if (auto* meta = live_object.if_contains("metadata"); meta != nullptr && meta->is_object()) {
      meta->get_object().erase("managedFields");
    }
    if (live != nullptr && entries.empty()) {
      // Objects written before anyone tracked ownership: the apiserver attributes all their
      // fields to "before-first-apply".
      Entry before;
      before.manager = "before-first-apply";
      before.operation = "Update";
      before.api_version = options.api_version;
      before.time = now;
      AddValue(Strip(live_object, drop_status, on_status), "", keys, before.set);
      before.set.member = false;
      entries.push_back(std::move(before));
    }

    json::object applied = config;
    if (drop_status) applied.erase("status");
    if (on_status) {
      for (auto it = applied.begin(); it != applied.end();) {
        if (it->key() == "status" || it->key() == "apiVersion" || it->key() == "kind" || it->key() == "metadata") {
          ++it;
        } else {
          it = applied.erase(it);
        }
      }
    }
    FieldNode applied_set;
    AddValue(Strip(applied, drop_status, on_status), "", keys, applied_set);
    applied_set.member = false;

    json::value merged = ApplyMerge(live_object, applied, "", keys);

    const std::string me = Identity(options.field_manager, "Apply", options.api_version, options.subresource);
    auto mine = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return Identity(e) == me; });
    if (mine != entries.end()) {
      FieldNode doomed = Difference(mine->set, applied_set);
      for (const auto& e : entries) {
        if (Identity(e) != me) doomed = Difference(doomed, e.set);
      }
      RemovePaths(merged, doomed, &applied_set, "", keys);
    }

    FieldNode changed;
    FieldNode removed;
    Compare(json::value(Strip(live_object, drop_status, on_status)),
            json::value(Strip(merged.get_object(), drop_status, on_status)), "", keys, changed, removed);

    std::vector<std::pair<const Entry*, FieldNode>> conflicts;
    for (const auto& e : entries) {
      if (Identity(e) == me) continue;
      FieldNode overlap = Intersection(e.set, changed);
      if (!overlap.Empty()) conflicts.emplace_back(&e, std::move(overlap));
    }
    if (!conflicts.empty() && !options.force) return ConflictStatus(conflicts);
    for (auto& e : entries) {
      if (Identity(e) == me) continue;
      for (const auto& [entry, overlap] : conflicts) {
        if (entry == &e) e.set = Difference(e.set, overlap);
      }
      e.set = Difference(e.set, removed);
    }

    if (mine != entries.end()) {
      if (!(mine->set == applied_set) || mine->api_version != options.api_version) mine->time = now;
      mine->set = applied_set;
      mine->api_version = options.api_version;
    } else {
      Entry e;
      e.manager = options.field_manager;
      e.operation = "Apply";
      e.api_version = options.api_version;
      e.time = now;
      e.subresource = options.subresource;
      e.set = applied_set;
      entries.push_back(std::move(e));
    }

    ApplyResult result;
    result.object = std::move(merged.get_object());
    WriteEntries(result.object, std::move(entries));
    result.created = live == nullptr;
    result.changed = live == nullptr || !JsonEqual(json::value(*live), json::value(result.object));
    return result;
  } catch (const std::exception& e) {
    return InternalError(e.what());
  }
}

boost::json::object RecordUpdate(const boost::json::object* old, boost::json::object updated,
                                 const MergeKeys& keys, const RecordUpdateOptions& options) {
  try {
    const json::array* sent = ManagedFieldsOf(updated);
    std::vector<Entry> entries = sent != nullptr && !sent->empty()
                                     ? ParseEntries(sent)
                                     : ParseEntries(old != nullptr ? ManagedFieldsOf(*old) : nullptr);
    // Like the apiserver, tracking starts on create or with the first apply: an update of an
    // object nobody tracked stays untracked.
    if (old != nullptr && entries.empty()) {
      if (auto* meta = updated.if_contains("metadata"); meta != nullptr && meta->is_object()) {
        meta->get_object().erase("managedFields");
      }
      return updated;
    }
    const bool on_status = options.subresource == "status";
    const json::object before = old != nullptr ? Strip(*old, false, on_status) : json::object();
    const json::object after = Strip(updated, false, on_status);

    FieldNode changed;
    FieldNode removed;
    Compare(json::value(before), json::value(after), "", keys, changed, removed);

    const std::string me = Identity(options.manager, "Update", options.api_version, options.subresource);
    for (auto& e : entries) {
      if (Identity(e) == me) continue;
      e.set = Difference(Difference(e.set, changed), removed);
    }
    auto mine = std::find_if(entries.begin(), entries.end(), [&](const Entry& e) { return Identity(e) == me; });
    if (mine == entries.end()) {
      Entry e;
      e.manager = options.manager;
      e.operation = "Update";
      e.api_version = options.api_version;
      e.subresource = options.subresource;
      entries.push_back(std::move(e));
      mine = std::prev(entries.end());
    }
    FieldNode next = Difference(mine->set, removed);
    Union(next, changed);
    next.member = false;
    if (!(next == mine->set) || mine->time.empty()) mine->time = common::FormatRfc3339Seconds(options.now);
    mine->set = std::move(next);
    WriteEntries(updated, std::move(entries));
    return updated;
  } catch (const std::exception&) {
    // Ownership tracking is best effort: never fail a write because of it.
    return updated;
  }
}

}  // namespace airunway::kubesim
