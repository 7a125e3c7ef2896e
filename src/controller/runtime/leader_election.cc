#include "controller/runtime/leader_election.h"

#include <fmt/format.h>

#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <random>

#include "common/json.h"
#include "common/logging.h"
#include "common/time.h"
#include "kube/errors.h"

namespace airunway::controller::runtime {

namespace {

using std::chrono::milliseconds;
using SystemClock = std::chrono::system_clock;

std::int64_t LeaseSeconds(milliseconds duration) {
  // The Lease field is whole seconds; round up so a short test lease never becomes 0.
  return std::max<std::int64_t>(1, (duration.count() + 999) / 1000);
}

std::string StringAt(const boost::json::object& object, std::string_view key) {
  auto value = common::GetString(object, key);
  return value ? std::string(*value) : std::string();
}

}  // namespace

std::string DefaultIdentity() {
  char host[256] = {};
  if (::gethostname(host, sizeof(host) - 1) != 0 || host[0] == '\0') std::snprintf(host, sizeof(host), "unknown");
  std::random_device random;
  char suffix[16];
  std::snprintf(suffix, sizeof(suffix), "%08x", random());
  return std::string(host) + "_" + std::to_string(::getpid()) + "_" + suffix;
}

std::string FormatMicroTime(SystemClock::time_point when) {
  const auto seconds = std::chrono::floor<std::chrono::seconds>(when);
  const auto micros = std::chrono::duration_cast<std::chrono::microseconds>(when - seconds).count();
  std::string text = common::FormatRfc3339Seconds(seconds);  // "...:SSZ"
  if (!text.empty() && text.back() == 'Z') text.pop_back();
  return fmt::format("{}.{:06}Z", text, static_cast<long long>(micros));
}

common::Status ValidateLeaderElectionOptions(const LeaderElectionOptions& options) {
  auto invalid = [](std::string message) { return common::MakeError(common::ErrorCode::kInvalid, std::move(message)); };
  if (options.lease_name.empty()) return invalid("leader election: the lease name is empty; set it");
  if (options.lease_namespace.empty()) return invalid("leader election: the lease namespace is empty; set it");
  if (options.retry_period <= milliseconds(0)) return invalid("leader election: retry period must be positive");
  if (options.renew_deadline <= options.retry_period) {
    return invalid("leader election: renew deadline must be longer than the retry period");
  }
  if (options.lease_duration <= options.renew_deadline) {
    return invalid("leader election: lease duration must be longer than the renew deadline");
  }
  return common::Status::Ok();
}

LeaderElector::LeaderElector(std::shared_ptr<kube::Client> client, LeaderElectionOptions options,
                             LeaderCallbacks callbacks)
    : client_(std::move(client)), options_(std::move(options)), callbacks_(std::move(callbacks)) {
  if (options_.identity.empty()) options_.identity = DefaultIdentity();
}

std::string LeaderElector::leader_identity() const {
  std::lock_guard lock(mutex_);
  return observed_holder_;
}

void LeaderElector::ObserveHolder(const std::string& holder) {
  {
    std::lock_guard lock(mutex_);
    if (holder == observed_holder_) return;
    observed_holder_ = holder;
  }
  if (!holder.empty()) {
    common::LogInfo("new leader observed", {{"lease", options_.lease_namespace + "/" + options_.lease_name},
                                            {"leader", holder}});
    if (callbacks_.on_new_leader) callbacks_.on_new_leader(holder);
  }
}

LeaderElector::Attempt LeaderElector::TryAcquireOrRenew() {
  const milliseconds timeout = options_.renew_deadline;
  const auto now = SystemClock::now();
  const std::string now_text = FormatMicroTime(now);
  const std::int64_t duration_seconds = LeaseSeconds(options_.lease_duration);

  auto current = client_->Get(kLeases, options_.lease_namespace, options_.lease_name, timeout);
  if (!current) {
    if (!kube::IsNotFound(current.error())) {
      common::LogWarn("leader election: cannot read the lease", {{"error", current.error().message}});
      return Attempt::kFailed;
    }
    boost::json::object lease{
        {"apiVersion", "coordination.k8s.io/v1"},
        {"kind", "Lease"},
        {"metadata", {{"name", options_.lease_name}, {"namespace", options_.lease_namespace}}},
        {"spec",
         {{"holderIdentity", options_.identity},
          {"leaseDurationSeconds", duration_seconds},
          {"acquireTime", now_text},
          {"renewTime", now_text},
          {"leaseTransitions", 0}}}};
    auto created = client_->Create(kLeases, options_.lease_namespace, lease, {.timeout = timeout});
    if (!created) {
      // AlreadyExists: another candidate created it first — it leads.
      common::LogDebug("leader election: cannot create the lease", {{"error", created.error().message}});
      return Attempt::kFailed;
    }
    ObserveHolder(options_.identity);
    return Attempt::kAcquired;
  }

  boost::json::object lease = std::move(*current);
  boost::json::object spec;
  if (const auto* found = common::GetObject(lease, "spec")) spec = *found;
  const std::string holder = StringAt(spec, "holderIdentity");
  ObserveHolder(holder);

  if (!holder.empty() && holder != options_.identity) {
    std::optional<SystemClock::time_point> renewed;
    if (auto text = common::GetString(spec, "renewTime")) renewed = common::ParseRfc3339(*text);
    if (!renewed) {
      if (auto text = common::GetString(spec, "acquireTime")) renewed = common::ParseRfc3339(*text);
    }
    const auto held_for = std::chrono::seconds(common::GetInt(spec, "leaseDurationSeconds").value_or(0));
    if (renewed && *renewed + held_for >= now) return Attempt::kHeldByOther;
  }

  if (holder != options_.identity) {
    spec["acquireTime"] = now_text;
    spec["leaseTransitions"] = common::GetInt(spec, "leaseTransitions").value_or(0) + (holder.empty() ? 0 : 1);
  }
  spec["holderIdentity"] = options_.identity;
  spec["leaseDurationSeconds"] = duration_seconds;
  spec["renewTime"] = now_text;
  lease["spec"] = std::move(spec);
  // metadata.resourceVersion stays as read: the update is conditional on it.
  auto updated = client_->Update(kLeases, options_.lease_namespace, lease, {.timeout = timeout});
  if (!updated) {
    common::LogWarn("leader election: cannot update the lease", {{"error", updated.error().message}});
    return Attempt::kFailed;
  }
  ObserveHolder(options_.identity);
  return Attempt::kAcquired;
}

void LeaderElector::Release() {
  const milliseconds timeout = options_.renew_deadline;
  auto current = client_->Get(kLeases, options_.lease_namespace, options_.lease_name, timeout);
  if (!current) return;
  boost::json::object lease = std::move(*current);
  boost::json::object spec;
  if (const auto* found = common::GetObject(lease, "spec")) spec = *found;
  if (StringAt(spec, "holderIdentity") != options_.identity) return;  // no longer ours
  const std::string now_text = FormatMicroTime(SystemClock::now());
  spec["holderIdentity"] = "";
  spec["leaseDurationSeconds"] = 1;
  spec["renewTime"] = now_text;
  spec["acquireTime"] = now_text;
  lease["spec"] = std::move(spec);
  auto updated = client_->Update(kLeases, options_.lease_namespace, lease, {.timeout = timeout});
  if (!updated) {
    common::LogWarn("leader election: cannot release the lease", {{"error", updated.error().message}});
  } else {
    common::LogInfo("leader election: lease released", {{"identity", options_.identity}});
  }
}

bool LeaderElector::SleepFor(milliseconds delay, std::stop_token stop) {
  std::unique_lock lock(sleep_mutex_);
  sleep_cv_.wait_for(lock, stop, delay, [] { return false; });
  return !stop.stop_requested();
}

bool LeaderElector::Run(std::stop_token stop) {
  const std::string lease_key = options_.lease_namespace + "/" + options_.lease_name;
  common::LogInfo("leader election: attempting to acquire the lease",
                  {{"lease", lease_key}, {"identity", options_.identity}});
  while (!stop.stop_requested()) {
    if (TryAcquireOrRenew() == Attempt::kAcquired) break;
    if (!SleepFor(options_.retry_period, stop)) break;
  }
  if (stop.stop_requested()) return true;

  leading_ = true;
  common::LogInfo("leader election: became leader", {{"lease", lease_key}, {"identity", options_.identity}});
  if (callbacks_.on_started_leading) callbacks_.on_started_leading();

  auto last_renew = std::chrono::steady_clock::now();
  bool lost = false;
  while (SleepFor(options_.retry_period, stop)) {
    const Attempt attempt = TryAcquireOrRenew();
    if (attempt == Attempt::kAcquired) {
      last_renew = std::chrono::steady_clock::now();
      continue;
    }
    if (attempt == Attempt::kHeldByOther || std::chrono::steady_clock::now() - last_renew >= options_.renew_deadline) {
      lost = true;
      break;
    }
  }

  leading_ = false;
  if (lost) {
    common::LogError("leader election: lost the lease; stopping", {{"lease", lease_key},
                                                                   {"identity", options_.identity}});
  }
  // Stop reconciling before the lease is released, so a successor never overlaps our work.
  if (callbacks_.on_stopped_leading) callbacks_.on_stopped_leading();
  if (!lost && options_.release_on_cancel) Release();
  return !lost;
}

}  // namespace airunway::controller::runtime
