#include "services/deployments/status_cache.h"

#include <boost/json.hpp>

#include "common/json.h"
#include "services/deployments/status.h"

namespace airunway::services::deployments {

namespace json = boost::json;

json::object DeriveDeploymentStatus(const kube::Informer& pods, const json::object& deployment) {
  std::vector<json::object> pod_statuses;
  for (const auto& pod : DiscoverPods(pods, common::StringAt(deployment, {"metadata", "namespace"}),
                                      common::StringAt(deployment, {"metadata", "name"}))) {
    pod_statuses.push_back(PodStatusOf(*pod));
  }
  return DeploymentStatusOf(deployment, pod_statuses);
}

std::vector<std::shared_ptr<const StatusFragment>> DeploymentStatusCache::Fragments(
    const kube::Informer& pods, const std::vector<kube::ObjectPtr>& deployments) {
  std::vector<std::shared_ptr<const StatusFragment>> out;
  out.reserve(deployments.size());
  std::lock_guard lock(mutex_);
  const std::uint64_t read = ++reads_;
  // Revisions are per namespace; a list usually spans few, so read each once.
  std::unordered_map<std::string_view, std::uint64_t> revisions;
  std::string key;
  for (const auto& deployment : deployments) {
    std::string_view ns = common::StringAt(*deployment, {"metadata", "namespace"});
    auto revision = revisions.find(ns);
    if (revision == revisions.end()) revision = revisions.emplace(ns, pods.Revision(ns)).first;
    key.assign(ns).append("/").append(common::StringAt(*deployment, {"metadata", "name"}));
    Entry& entry = entries_[key];
    if (entry.fragment && entry.deployment == deployment && entry.pod_revision == revision->second) {
      ++stats_.hits;
    } else {
      ++stats_.misses;
      json::object status = DeriveDeploymentStatus(pods, *deployment);
      auto fragment = std::make_shared<StatusFragment>();
      fragment->created_at = std::string(common::StringAt(status, {"createdAt"}));
      fragment->json = json::serialize(status);
      entry = Entry{deployment, revision->second, std::move(fragment), 0};
    }
    entry.last_used = read;
    out.push_back(entry.fragment);
  }
  // Drop what nobody asked for lately, once it outnumbers what was asked for now.
  if (entries_.size() > 2 * deployments.size() + 64) {
    std::erase_if(entries_, [&](const auto& item) { return read - item.second.last_used > 8; });
  }
  stats_.entries = entries_.size();
  return out;
}

DeploymentStatusCache::Stats DeploymentStatusCache::stats() const {
  std::lock_guard lock(mutex_);
  return stats_;
}

}  // namespace airunway::services::deployments
