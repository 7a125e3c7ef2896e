// Table: server-side printing, the meta.k8s.io/v1 Table a real API server returns when a
// client asks for it. `kubectl get` sends
//   Accept: application/json;as=Table;v=v1;g=meta.k8s.io,
//           application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json
// and prints the columns it receives (hiding priority > 0 columns unless -o wide; it adds
// NAMESPACE itself for -A and LABELS for --show-labels, reading them from each row's object).
//
//   {"kind":"Table","apiVersion":"meta.k8s.io/v1","metadata":{"resourceVersion":"42"},
//    "columnDefinitions":[{"name":"Name","type":"string","format":"name",
//                          "description":"...","priority":0}, ...],
//    "rows":[{"cells":["web-0","1/1","Running","0","5m"],
//             "object":{"kind":"PartialObjectMetadata","apiVersion":"meta.k8s.io/v1",
//                       "metadata":{...}}}]}
//
// The row object follows ?includeObject=None|Metadata|Object (default Metadata). The server
// always prints the wide columns; priority tells the client which to hide.
//
// Built-in kinds use the real printers' columns and cell rules (pod STATUS/READY/RESTARTS,
// service PORT(S), ...). A CRD prints NAME plus its additionalPrinterColumns, evaluated with
// the JSONPath subset printer columns use; when a version declares no columns the server
// serves a single Age column (registry.cc adds it), so AGE appears only then or when a
// column names it. Kinds without a printer get NAME and CREATED AT, like the API server's
// default table convertor.
//
// Thread-safety: pure functions over values; `now` is passed in so ages are deterministic.
#pragma once

#include <boost/json/array.hpp>
#include <boost/json/object.hpp>
#include <boost/json/value.hpp>

#include <chrono>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "kubesim/api_status.h"
#include "kubesim/registry.h"

namespace airunway::kubesim {

enum class IncludeObject { kNone, kMetadata, kObject };

// Parses ?includeObject=; "" means the default (Metadata). A bad value is a 400 BadRequest.
ApiResult<IncludeObject> ParseIncludeObject(std::string_view value);

// The Table form a request asked for.
struct TableFormat {
  std::string api_version;   // "meta.k8s.io/v1" or "meta.k8s.io/v1beta1"
  std::string content_type;  // "application/json;as=Table;v=v1;g=meta.k8s.io"
};

// nullopt when the Accept header prefers something other than a Table (then the server
// answers the plain object or list).
std::optional<TableFormat> NegotiateTable(std::string_view accept);

struct TableOptions {
  IncludeObject include_object = IncludeObject::kMetadata;
  bool no_headers = false;  // omit columnDefinitions (watch events after the first)
  std::string api_version = "meta.k8s.io/v1";
  std::chrono::system_clock::time_point now;
};

struct TableListMeta {
  std::string resource_version;
  std::string continue_token;
  std::optional<std::int64_t> remaining_item_count;
};

// The column definitions a type prints.
boost::json::array ColumnDefinitions(const ResourceType& type);

// The cells of one object, one per column definition.
boost::json::array RowCells(const ResourceType& type, const boost::json::object& object,
                            std::chrono::system_clock::time_point now);

// A Table of a list's items (each a full object as stored).
boost::json::object ListToTable(const ResourceType& type, const boost::json::array& items,
                                const TableListMeta& list_meta, const TableOptions& options);

// A Table with one row, for GET of a single object (and watch events).
boost::json::object ObjectToTable(const ResourceType& type, const boost::json::object& object,
                                  const TableOptions& options);

// Human-readable duration as kubectl shows ages: "45s", "5m30s", "3h", "2d4h", "400d", "3y".
std::string HumanDuration(std::chrono::system_clock::duration d);

// Age of an RFC 3339 timestamp: "<unknown>" when empty, "<invalid>" when malformed.
std::string AgeSince(std::string_view timestamp, std::chrono::system_clock::time_point now);

// Evaluates a printer-column JSONPath (".status.phase", ".spec.replicas",
// ".status.conditions[?(@.type==\"Ready\")].status", ".items[0].name", ".a[*].b",
// "{.metadata.name}") and returns the first match; nullopt when nothing matches or the
// expression is outside the supported subset.
std::optional<boost::json::value> EvaluateJsonPath(const boost::json::value& root,
                                                   std::string_view expression);

}  // namespace airunway::kubesim
