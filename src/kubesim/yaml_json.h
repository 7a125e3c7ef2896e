// YAML to JSON for kubesim: request bodies (server-side apply and YAML patches), scenario files
// and authorization policies all arrive as YAML and are handled as JSON.
//
// kTyped resolves plain scalars as the API server's YAML decoder does (YAML 1.1: yes/no/on/off
// are booleans, 0x1F and 0o17 are integers, 1_000 is 1000); quoted scalars stay strings.
// kStrings keeps every scalar a string (policies, whose schema holds only strings, so that a
// name like "true" or "1" is not a type error). Map keys that are not scalars become their YAML
// text. YAML null becomes JSON null.
//
// Thread-safety: pure functions. yaml-cpp exceptions are the caller's (it knows what to say).
#pragma once

#include <boost/json/value.hpp>

namespace YAML {
class Node;
}

namespace airunway::kubesim {

enum class YamlScalars { kTyped, kStrings };

boost::json::value YamlNodeToJson(const YAML::Node& node, YamlScalars scalars);

}  // namespace airunway::kubesim
