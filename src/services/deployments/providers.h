// Provider metadata: InferenceProviderConfig objects (cluster-scoped, one per provider,
// self-registered by each provider shim) turned into the ProviderInfo / ProviderDetails /
// RuntimeStatus documents the UI reads, as the reference derives them from annotations
// (airunway.ai/capabilities, health, installation, ...) with spec.capabilities as fallback.
// Also: whether a provider can serve a DeploymentConfig (the 422 check), and a provider's
// installation status and shim health from cached CRDs and pods.
//
// Thread-safety: pure functions (the installation check reads thread-safe caches).
#pragma once

#include <boost/json/object.hpp>

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "kube/informer.h"

namespace airunway::services::deployments {

struct ProviderMetadata {
  boost::json::object info;          // ProviderInfo, wire key order
  boost::json::object capabilities;  // normalised (also inside info)
  boost::json::object installation;  // {description?, defaultNamespace?, helmRepos, helmCharts, steps}
  std::optional<boost::json::object> health;
  bool requires_crd = true;
};

ProviderMetadata ReadProvider(const boost::json::object& config);
// ProviderInfo + crdConfig, helmRepos, helmCharts, installationSteps.
boost::json::object ProviderDetails(const boost::json::object& config);

// nullopt when `provider` can serve the validated DeploymentConfig; else the 422 message
// `Provider "<id>" does not support <label> "<value>". Supported <label> values: <a, b>`.
std::optional<std::string> UnsupportedBy(const ProviderMetadata& provider, const boost::json::object& config);

// True when a label selector string ("a=b,c!=d,e,!f", "x in (a,b)" not supported) matches.
bool SelectorMatches(std::string_view selector, const boost::json::object& labels);

struct InstallationStatus {
  bool installed = false;
  bool crd_found = false;
  bool operator_running = false;
  bool requires_crd = true;
  std::string message;
};
// §10.16 of the reference, from the CRD and pod caches (no API calls).
InstallationStatus CheckInstallation(const ProviderMetadata& provider, const boost::json::object& config,
                                     const kube::Informer& crds, const kube::Informer& pods);

struct ShimHealth {
  bool healthy = false;
  bool stale = false;
  bool has_shim_signal = false;
  std::string reason;
  std::string message;
};
ShimHealth CheckShimHealth(const boost::json::object& config, std::chrono::milliseconds staleness);

// One RuntimeStatus entry (reference key order).
boost::json::object RuntimeStatusOf(const boost::json::object& config, const kube::Informer& crds,
                                    const kube::Informer& pods, std::chrono::milliseconds staleness);

}  // namespace airunway::services::deployments
