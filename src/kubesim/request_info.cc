#include "kubesim/request_info.h"

#include <vector>

namespace airunway::kubesim {

namespace {

std::vector<std::string> Split(std::string_view path) {
  std::vector<std::string> parts;
  while (!path.empty() && path.front() == '/') path.remove_prefix(1);
  while (!path.empty() && path.back() == '/') path.remove_suffix(1);
  if (path.empty()) return parts;
  std::size_t start = 0;
  while (true) {
    std::size_t slash = path.find('/', start);
    parts.emplace_back(path.substr(start, slash == std::string_view::npos ? std::string_view::npos : slash - start));
    if (slash == std::string_view::npos) break;
    start = slash + 1;
  }
  return parts;
}

}  // namespace

RequestInfo ParseRequestInfo(std::string_view method, std::string_view path, std::string_view watch_param) {
  RequestInfo info;
  auto parts = Split(path);
  std::size_t i = 0;
  if (parts.empty()) return info;
  if (parts[0] == "api") {
    if (parts.size() < 3) return info;  // /api, /api/v1: discovery
    info.version = parts[1];
    i = 2;
  } else if (parts[0] == "apis") {
    if (parts.size() < 4) return info;  // /apis, /apis/g, /apis/g/v: discovery
    info.group = parts[1];
    info.version = parts[2];
    i = 3;
  } else {
    return info;
  }
  info.resource_request = true;
  if (parts[i] == "watch") {  // deprecated /watch/ path prefix
    info.legacy_watch_path = true;
    ++i;
    if (i >= parts.size()) {
      info.resource_request = false;
      return info;
    }
  }
  // namespaces/{ns}/<resource>/... addresses a namespaced resource, except that
  // namespaces/{name}/status and /finalize are subresources of the namespace itself.
  if (parts[i] == "namespaces" && i + 2 < parts.size() && parts[i + 2] != "status" && parts[i + 2] != "finalize") {
    info.namespace_name = parts[i + 1];
    i += 2;
  }
  info.resource = parts[i++];
  if (i < parts.size()) info.name = parts[i++];
  if (i < parts.size()) info.subresource = parts[i++];
  for (; i < parts.size(); ++i) {
    if (!info.rest.empty()) info.rest += '/';
    info.rest += parts[i];
  }
  bool watch = info.legacy_watch_path || watch_param == "true" || watch_param == "1";
  if (method == "GET" || method == "HEAD") {
    if (watch) {
      info.verb = "watch";
    } else {
      info.verb = info.name.empty() ? "list" : "get";
    }
  } else if (method == "POST") {
    info.verb = "create";
  } else if (method == "PUT") {
    info.verb = "update";
  } else if (method == "PATCH") {
    info.verb = "patch";
  } else if (method == "DELETE") {
    info.verb = info.name.empty() ? "deletecollection" : "delete";
  } else {
    info.verb = "";  // not a Kubernetes verb
  }
  return info;
}

}  // namespace airunway::kubesim
