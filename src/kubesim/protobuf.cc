#include "kubesim/protobuf.h"

#include <fmt/format.h>

#include <boost/json/array.hpp>
#include <boost/json/string.hpp>
#include <boost/json/value.hpp>
#include <cstdint>
#include <iterator>
#include <optional>
#include <span>
#include <utility>

namespace airunway::kubesim {
namespace {

namespace json = boost::json;

// ---------------------------------------------------------------------------------------------
// Schema: one static table per message. Tables are constant-initialised, so there is no static
// initialisation order to worry about, and they are listed leaves first because a table can
// only point at tables defined above it (the Kubernetes types covered here have no cycles).

enum class Kind : std::uint8_t {
  kString,
  kInt,  // int32/int64 varint, written as a JSON number
  kBool,
  kBytes,        // JSON base64
  kMessage,      // a nested object described by `message`
  kInline,       // an embedded Go struct whose fields JSON flattens into the parent
  kTime,         // metav1.Time {1 seconds, 2 nanos} -> RFC 3339, whole seconds
  kQuantity,     // resource.Quantity {1 string} -> "500m"
  kIntOrString,  // intstr.IntOrString {1 type, 2 intVal, 3 strVal} -> 80 or "http"
  kMap,          // map<string, map_value>: repeated entries {1 key, 2 value}
  kStringList,   // only as a map value: a message whose field 1 is repeated string (ExtraValue)
};

constexpr unsigned kRepeated = 1U << 0;
// The Go field is a pointer, or its JSON tag has no omitempty: a zero value present on the wire
// means something (`immutable: false`, `replicas: 0`) and is kept. Without this flag a zero
// string, number or false is omitted, as Go's omitempty would when encoding JSON.
constexpr unsigned kKeepZero = 1U << 1;

struct MessageSpec;

struct FieldSpec {
  std::uint32_t number = 0;
  std::string_view json_name;
  Kind kind = Kind::kString;
  unsigned flags = 0;
  const MessageSpec* message = nullptr;  // kMessage, kInline, and kMap with a kMessage value
  Kind map_value = Kind::kString;        // kMap only
};

struct MessageSpec {
  std::string_view name;  // the Go type name, for error messages
  std::span<const FieldSpec> fields;
};

constexpr FieldSpec String(std::uint32_t n, std::string_view j, unsigned f = 0) {
  return {n, j, Kind::kString, f};
}
constexpr FieldSpec Int(std::uint32_t n, std::string_view j, unsigned f = 0) { return {n, j, Kind::kInt, f}; }
constexpr FieldSpec Bool(std::uint32_t n, std::string_view j, unsigned f = 0) {
  return {n, j, Kind::kBool, f};
}
constexpr FieldSpec Time(std::uint32_t n, std::string_view j) { return {n, j, Kind::kTime}; }
constexpr FieldSpec Quantity(std::uint32_t n, std::string_view j) { return {n, j, Kind::kQuantity}; }
constexpr FieldSpec IntOrString(std::uint32_t n, std::string_view j) { return {n, j, Kind::kIntOrString}; }
constexpr FieldSpec Message(std::uint32_t n, std::string_view j, const MessageSpec& m) {
  return {n, j, Kind::kMessage, 0, &m};
}
constexpr FieldSpec Inline(std::uint32_t n, const MessageSpec& m) { return {n, "", Kind::kInline, 0, &m}; }
constexpr FieldSpec Strings(std::uint32_t n, std::string_view j) { return {n, j, Kind::kString, kRepeated}; }
constexpr FieldSpec Ints(std::uint32_t n, std::string_view j) { return {n, j, Kind::kInt, kRepeated}; }
constexpr FieldSpec Messages(std::uint32_t n, std::string_view j, const MessageSpec& m) {
  return {n, j, Kind::kMessage, kRepeated, &m};
}
constexpr FieldSpec Map(std::uint32_t n, std::string_view j, Kind value) {
  return {n, j, Kind::kMap, 0, nullptr, value};
}

constexpr unsigned K = kKeepZero;

// --- k8s.io/apimachinery/pkg/apis/meta/v1 ---

constexpr FieldSpec kOwnerReferenceFields[] = {String(5, "apiVersion", K), String(1, "kind", K),
                                               String(3, "name", K),       String(4, "uid", K),
                                               Bool(6, "controller", K),   Bool(7, "blockOwnerDeletion", K)};
constexpr MessageSpec kOwnerReference{"OwnerReference", kOwnerReferenceFields};

// managedFields (17) is left out on purpose: clients never send it on create, and the server
// owns it.
constexpr FieldSpec kObjectMetaFields[] = {String(1, "name"),
                                           String(2, "generateName"),
                                           String(3, "namespace"),
                                           String(4, "selfLink"),
                                           String(5, "uid"),
                                           String(6, "resourceVersion"),
                                           Int(7, "generation"),
                                           Time(8, "creationTimestamp"),
                                           Time(9, "deletionTimestamp"),
                                           Int(10, "deletionGracePeriodSeconds", K),
                                           Map(11, "labels", Kind::kString),
                                           Map(12, "annotations", Kind::kString),
                                           Messages(13, "ownerReferences", kOwnerReference),
                                           Strings(14, "finalizers")};
constexpr MessageSpec kObjectMeta{"ObjectMeta", kObjectMetaFields};

// LabelSelectorRequirement and FieldSelectorRequirement have the same shape.
constexpr FieldSpec kSelectorRequirementFields[] = {String(1, "key", K), String(2, "operator", K),
                                                    Strings(3, "values")};
constexpr MessageSpec kSelectorRequirement{"SelectorRequirement", kSelectorRequirementFields};

constexpr FieldSpec kLabelSelectorFields[] = {Map(1, "matchLabels", Kind::kString),
                                              Messages(2, "matchExpressions", kSelectorRequirement)};
constexpr MessageSpec kLabelSelector{"LabelSelector", kLabelSelectorFields};

constexpr FieldSpec kPreconditionsFields[] = {String(1, "uid", K), String(2, "resourceVersion", K)};
constexpr MessageSpec kPreconditions{"Preconditions", kPreconditionsFields};

constexpr FieldSpec kDeleteOptionsFields[] = {Int(1, "gracePeriodSeconds", K),
                                              Message(2, "preconditions", kPreconditions),
                                              Bool(3, "orphanDependents", K),
                                              String(4, "propagationPolicy", K),
                                              Strings(5, "dryRun"),
                                              Bool(6, "ignoreStoreReadErrorWithClusterBreakingPotential", K)};
constexpr MessageSpec kDeleteOptions{"DeleteOptions", kDeleteOptionsFields};

// --- core/v1 ---

constexpr FieldSpec kNamespaceSpecFields[] = {Strings(1, "finalizers")};
constexpr MessageSpec kNamespaceSpec{"NamespaceSpec", kNamespaceSpecFields};
constexpr FieldSpec kNamespaceStatusFields[] = {String(1, "phase")};
constexpr MessageSpec kNamespaceStatus{"NamespaceStatus", kNamespaceStatusFields};
constexpr FieldSpec kNamespaceFields[] = {Message(1, "metadata", kObjectMeta),
                                          Message(2, "spec", kNamespaceSpec),
                                          Message(3, "status", kNamespaceStatus)};
constexpr MessageSpec kNamespace{"Namespace", kNamespaceFields};

constexpr FieldSpec kConfigMapFields[] = {Message(1, "metadata", kObjectMeta), Bool(4, "immutable", K),
                                          Map(2, "data", Kind::kString), Map(3, "binaryData", Kind::kBytes)};
constexpr MessageSpec kConfigMap{"ConfigMap", kConfigMapFields};

constexpr FieldSpec kSecretFields[] = {Message(1, "metadata", kObjectMeta), Bool(5, "immutable", K),
                                       Map(2, "data", Kind::kBytes), Map(4, "stringData", Kind::kString),
                                       String(3, "type")};
constexpr MessageSpec kSecret{"Secret", kSecretFields};

constexpr FieldSpec kObjectReferenceFields[] = {
    String(1, "kind"),       String(2, "namespace"),       String(3, "name"),     String(4, "uid"),
    String(5, "apiVersion"), String(6, "resourceVersion"), String(7, "fieldPath")};
constexpr MessageSpec kObjectReference{"ObjectReference", kObjectReferenceFields};

constexpr FieldSpec kLocalObjectReferenceFields[] = {String(1, "name")};
constexpr MessageSpec kLocalObjectReference{"LocalObjectReference", kLocalObjectReferenceFields};

constexpr FieldSpec kServiceAccountFields[] = {
    Message(1, "metadata", kObjectMeta), Messages(2, "secrets", kObjectReference),
    Messages(3, "imagePullSecrets", kLocalObjectReference), Bool(4, "automountServiceAccountToken", K)};
constexpr MessageSpec kServiceAccount{"ServiceAccount", kServiceAccountFields};

constexpr FieldSpec kServicePortFields[] = {
    String(1, "name"), String(2, "protocol"),        String(6, "appProtocol", K),
    Int(3, "port", K), IntOrString(4, "targetPort"), Int(5, "nodePort")};
constexpr MessageSpec kServicePort{"ServicePort", kServicePortFields};

// sessionAffinityConfig (14) is not covered.
constexpr FieldSpec kServiceSpecFields[] = {Messages(1, "ports", kServicePort),
                                            Map(2, "selector", Kind::kString),
                                            String(3, "clusterIP"),
                                            Strings(18, "clusterIPs"),
                                            String(4, "type"),
                                            Strings(5, "externalIPs"),
                                            String(7, "sessionAffinity"),
                                            String(8, "loadBalancerIP"),
                                            Strings(9, "loadBalancerSourceRanges"),
                                            String(10, "externalName"),
                                            String(11, "externalTrafficPolicy"),
                                            Int(12, "healthCheckNodePort"),
                                            Bool(13, "publishNotReadyAddresses"),
                                            Strings(19, "ipFamilies"),
                                            String(17, "ipFamilyPolicy", K),
                                            Bool(20, "allocateLoadBalancerNodePorts", K),
                                            String(21, "loadBalancerClass", K),
                                            String(22, "internalTrafficPolicy", K),
                                            String(23, "trafficDistribution", K)};
constexpr MessageSpec kServiceSpec{"ServiceSpec", kServiceSpecFields};

constexpr FieldSpec kServiceFields[] = {Message(1, "metadata", kObjectMeta),
                                        Message(2, "spec", kServiceSpec)};
constexpr MessageSpec kService{"Service", kServiceFields};

constexpr FieldSpec kScopedRequirementFields[] = {String(1, "scopeName", K), String(2, "operator", K),
                                                  Strings(3, "values")};
constexpr MessageSpec kScopedRequirement{"ScopedResourceSelectorRequirement", kScopedRequirementFields};
constexpr FieldSpec kScopeSelectorFields[] = {Messages(1, "matchExpressions", kScopedRequirement)};
constexpr MessageSpec kScopeSelector{"ScopeSelector", kScopeSelectorFields};
constexpr FieldSpec kResourceQuotaSpecFields[] = {Map(1, "hard", Kind::kQuantity), Strings(2, "scopes"),
                                                  Message(3, "scopeSelector", kScopeSelector)};
constexpr MessageSpec kResourceQuotaSpec{"ResourceQuotaSpec", kResourceQuotaSpecFields};
constexpr FieldSpec kResourceQuotaFields[] = {Message(1, "metadata", kObjectMeta),
                                              Message(2, "spec", kResourceQuotaSpec)};
constexpr MessageSpec kResourceQuota{"ResourceQuota", kResourceQuotaFields};

// Pod template pieces.

constexpr FieldSpec kContainerPortFields[] = {String(1, "name"), Int(2, "hostPort"),
                                              Int(3, "containerPort", K), String(4, "protocol"),
                                              String(5, "hostIP")};
constexpr MessageSpec kContainerPort{"ContainerPort", kContainerPortFields};

constexpr FieldSpec kObjectFieldSelectorFields[] = {String(1, "apiVersion"), String(2, "fieldPath", K)};
constexpr MessageSpec kObjectFieldSelector{"ObjectFieldSelector", kObjectFieldSelectorFields};

constexpr FieldSpec kResourceFieldSelectorFields[] = {String(1, "containerName"), String(2, "resource", K),
                                                      Quantity(3, "divisor")};
constexpr MessageSpec kResourceFieldSelector{"ResourceFieldSelector", kResourceFieldSelectorFields};

// ConfigMapKeySelector and SecretKeySelector have the same shape.
constexpr FieldSpec kKeySelectorFields[] = {Inline(1, kLocalObjectReference), String(2, "key", K),
                                            Bool(3, "optional", K)};
constexpr MessageSpec kKeySelector{"KeySelector", kKeySelectorFields};

constexpr FieldSpec kEnvVarSourceFields[] = {
    Message(1, "fieldRef", kObjectFieldSelector), Message(2, "resourceFieldRef", kResourceFieldSelector),
    Message(3, "configMapKeyRef", kKeySelector), Message(4, "secretKeyRef", kKeySelector)};
constexpr MessageSpec kEnvVarSource{"EnvVarSource", kEnvVarSourceFields};

constexpr FieldSpec kEnvVarFields[] = {String(1, "name", K), String(2, "value"),
                                       Message(3, "valueFrom", kEnvVarSource)};
constexpr MessageSpec kEnvVar{"EnvVar", kEnvVarFields};

// ConfigMapEnvSource and SecretEnvSource have the same shape.
constexpr FieldSpec kEnvSourceFields[] = {Inline(1, kLocalObjectReference), Bool(2, "optional", K)};
constexpr MessageSpec kEnvSource{"EnvSource", kEnvSourceFields};

constexpr FieldSpec kEnvFromSourceFields[] = {String(1, "prefix"), Message(2, "configMapRef", kEnvSource),
                                              Message(3, "secretRef", kEnvSource)};
constexpr MessageSpec kEnvFromSource{"EnvFromSource", kEnvFromSourceFields};

constexpr FieldSpec kResourceClaimFields[] = {String(1, "name", K), String(2, "request")};
constexpr MessageSpec kResourceClaim{"ResourceClaim", kResourceClaimFields};

constexpr FieldSpec kResourceRequirementsFields[] = {Map(1, "limits", Kind::kQuantity),
                                                     Map(2, "requests", Kind::kQuantity),
                                                     Messages(3, "claims", kResourceClaim)};
constexpr MessageSpec kResourceRequirements{"ResourceRequirements", kResourceRequirementsFields};

constexpr FieldSpec kVolumeMountFields[] = {
    String(1, "name", K),      Bool(2, "readOnly"),  String(7, "recursiveReadOnly", K),
    String(3, "mountPath", K), String(4, "subPath"), String(5, "mountPropagation", K),
    String(6, "subPathExpr")};
constexpr MessageSpec kVolumeMount{"VolumeMount", kVolumeMountFields};

constexpr FieldSpec kExecActionFields[] = {Strings(1, "command")};
constexpr MessageSpec kExecAction{"ExecAction", kExecActionFields};

constexpr FieldSpec kHttpHeaderFields[] = {String(1, "name", K), String(2, "value", K)};
constexpr MessageSpec kHttpHeader{"HTTPHeader", kHttpHeaderFields};

constexpr FieldSpec kHttpGetActionFields[] = {String(1, "path"), IntOrString(2, "port"), String(3, "host"),
                                              String(4, "scheme"), Messages(5, "httpHeaders", kHttpHeader)};
constexpr MessageSpec kHttpGetAction{"HTTPGetAction", kHttpGetActionFields};

constexpr FieldSpec kTcpSocketActionFields[] = {IntOrString(1, "port"), String(2, "host")};
constexpr MessageSpec kTcpSocketAction{"TCPSocketAction", kTcpSocketActionFields};

constexpr FieldSpec kGrpcActionFields[] = {Int(1, "port", K), String(2, "service", K)};
constexpr MessageSpec kGrpcAction{"GRPCAction", kGrpcActionFields};

constexpr FieldSpec kProbeHandlerFields[] = {
    Message(1, "exec", kExecAction), Message(2, "httpGet", kHttpGetAction),
    Message(3, "tcpSocket", kTcpSocketAction), Message(4, "grpc", kGrpcAction)};
constexpr MessageSpec kProbeHandler{"ProbeHandler", kProbeHandlerFields};

constexpr FieldSpec kProbeFields[] = {Inline(1, kProbeHandler),
                                      Int(2, "initialDelaySeconds"),
                                      Int(3, "timeoutSeconds"),
                                      Int(4, "periodSeconds"),
                                      Int(5, "successThreshold"),
                                      Int(6, "failureThreshold"),
                                      Int(7, "terminationGracePeriodSeconds", K)};
constexpr MessageSpec kProbe{"Probe", kProbeFields};

constexpr FieldSpec kCapabilitiesFields[] = {Strings(1, "add"), Strings(2, "drop")};
constexpr MessageSpec kCapabilities{"Capabilities", kCapabilitiesFields};

constexpr FieldSpec kSecurityContextFields[] = {Message(1, "capabilities", kCapabilities),
                                                Bool(2, "privileged", K),
                                                Int(4, "runAsUser", K),
                                                Int(8, "runAsGroup", K),
                                                Bool(5, "runAsNonRoot", K),
                                                Bool(6, "readOnlyRootFilesystem", K),
                                                Bool(7, "allowPrivilegeEscalation", K),
                                                String(9, "procMount", K)};
constexpr MessageSpec kSecurityContext{"SecurityContext", kSecurityContextFields};

constexpr FieldSpec kContainerFields[] = {String(1, "name", K),
                                          String(2, "image"),
                                          Strings(3, "command"),
                                          Strings(4, "args"),
                                          String(5, "workingDir"),
                                          Messages(6, "ports", kContainerPort),
                                          Messages(19, "envFrom", kEnvFromSource),
                                          Messages(7, "env", kEnvVar),
                                          Message(8, "resources", kResourceRequirements),
                                          String(24, "restartPolicy", K),
                                          Messages(9, "volumeMounts", kVolumeMount),
                                          Message(10, "livenessProbe", kProbe),
                                          Message(11, "readinessProbe", kProbe),
                                          Message(22, "startupProbe", kProbe),
                                          String(13, "terminationMessagePath"),
                                          String(20, "terminationMessagePolicy"),
                                          String(14, "imagePullPolicy"),
                                          Message(15, "securityContext", kSecurityContext),
                                          Bool(16, "stdin"),
                                          Bool(17, "stdinOnce"),
                                          Bool(18, "tty")};
constexpr MessageSpec kContainer{"Container", kContainerFields};

constexpr FieldSpec kKeyToPathFields[] = {String(1, "key", K), String(2, "path", K), Int(3, "mode", K)};
constexpr MessageSpec kKeyToPath{"KeyToPath", kKeyToPathFields};

constexpr FieldSpec kHostPathFields[] = {String(1, "path", K), String(2, "type", K)};
constexpr MessageSpec kHostPath{"HostPathVolumeSource", kHostPathFields};

constexpr FieldSpec kEmptyDirFields[] = {String(1, "medium"), Quantity(2, "sizeLimit")};
constexpr MessageSpec kEmptyDir{"EmptyDirVolumeSource", kEmptyDirFields};

constexpr FieldSpec kSecretVolumeFields[] = {String(1, "secretName"), Messages(2, "items", kKeyToPath),
                                             Int(3, "defaultMode", K), Bool(4, "optional", K)};
constexpr MessageSpec kSecretVolume{"SecretVolumeSource", kSecretVolumeFields};

constexpr FieldSpec kConfigMapVolumeFields[] = {Inline(1, kLocalObjectReference),
                                                Messages(2, "items", kKeyToPath), Int(3, "defaultMode", K),
                                                Bool(4, "optional", K)};
constexpr MessageSpec kConfigMapVolume{"ConfigMapVolumeSource", kConfigMapVolumeFields};

constexpr FieldSpec kPvcVolumeFields[] = {String(1, "claimName", K), Bool(2, "readOnly")};
constexpr MessageSpec kPvcVolume{"PersistentVolumeClaimVolumeSource", kPvcVolumeFields};

// Only the volume sources an LLM workload uses; the cloud-disk ones are not covered.
constexpr FieldSpec kVolumeSourceFields[] = {
    Message(1, "hostPath", kHostPath), Message(2, "emptyDir", kEmptyDir), Message(6, "secret", kSecretVolume),
    Message(10, "persistentVolumeClaim", kPvcVolume), Message(19, "configMap", kConfigMapVolume)};
constexpr MessageSpec kVolumeSource{"VolumeSource", kVolumeSourceFields};

constexpr FieldSpec kVolumeFields[] = {String(1, "name", K), Inline(2, kVolumeSource)};
constexpr MessageSpec kVolume{"Volume", kVolumeFields};

constexpr FieldSpec kTolerationFields[] = {String(1, "key"), String(2, "operator"), String(3, "value"),
                                           String(4, "effect"), Int(5, "tolerationSeconds", K)};
constexpr MessageSpec kToleration{"Toleration", kTolerationFields};

constexpr FieldSpec kPodSecurityContextFields[] = {
    Int(2, "runAsUser", K),        Int(6, "runAsGroup", K), Bool(3, "runAsNonRoot", K),
    Ints(4, "supplementalGroups"), Int(5, "fsGroup", K),    String(9, "fsGroupChangePolicy", K)};
constexpr MessageSpec kPodSecurityContext{"PodSecurityContext", kPodSecurityContextFields};

// affinity (18), topologySpreadConstraints (33), dnsConfig (26), hostAliases (23) and the
// other rarely sent fields are not covered.
constexpr FieldSpec kPodSpecFields[] = {Messages(1, "volumes", kVolume),
                                        Messages(20, "initContainers", kContainer),
                                        Messages(2, "containers", kContainer),
                                        String(3, "restartPolicy"),
                                        Int(4, "terminationGracePeriodSeconds", K),
                                        Int(5, "activeDeadlineSeconds", K),
                                        String(6, "dnsPolicy"),
                                        Map(7, "nodeSelector", Kind::kString),
                                        String(8, "serviceAccountName"),
                                        String(9, "serviceAccount"),
                                        Bool(21, "automountServiceAccountToken", K),
                                        String(10, "nodeName"),
                                        Bool(11, "hostNetwork"),
                                        Bool(12, "hostPID"),
                                        Bool(13, "hostIPC"),
                                        Bool(27, "shareProcessNamespace", K),
                                        Message(14, "securityContext", kPodSecurityContext),
                                        Messages(15, "imagePullSecrets", kLocalObjectReference),
                                        String(16, "hostname"),
                                        String(17, "subdomain"),
                                        String(19, "schedulerName"),
                                        Messages(22, "tolerations", kToleration),
                                        String(24, "priorityClassName"),
                                        Int(25, "priority", K),
                                        String(29, "runtimeClassName", K),
                                        Bool(30, "enableServiceLinks", K),
                                        String(31, "preemptionPolicy", K),
                                        Map(32, "overhead", Kind::kQuantity),
                                        Bool(35, "setHostnameAsFQDN", K),
                                        Bool(37, "hostUsers", K),
                                        Message(40, "resources", kResourceRequirements)};
constexpr MessageSpec kPodSpec{"PodSpec", kPodSpecFields};

constexpr FieldSpec kPodTemplateSpecFields[] = {Message(1, "metadata", kObjectMeta),
                                                Message(2, "spec", kPodSpec)};
constexpr MessageSpec kPodTemplateSpec{"PodTemplateSpec", kPodTemplateSpecFields};

constexpr FieldSpec kPodFields[] = {Message(1, "metadata", kObjectMeta), Message(2, "spec", kPodSpec)};
constexpr MessageSpec kPod{"Pod", kPodFields};

// --- apps/v1 ---

constexpr FieldSpec kRollingUpdateDeploymentFields[] = {IntOrString(1, "maxUnavailable"),
                                                        IntOrString(2, "maxSurge")};
constexpr MessageSpec kRollingUpdateDeployment{"RollingUpdateDeployment", kRollingUpdateDeploymentFields};
constexpr FieldSpec kDeploymentStrategyFields[] = {String(1, "type"),
                                                   Message(2, "rollingUpdate", kRollingUpdateDeployment)};
constexpr MessageSpec kDeploymentStrategy{"DeploymentStrategy", kDeploymentStrategyFields};

constexpr FieldSpec kDeploymentSpecFields[] = {Int(1, "replicas", K),
                                               Message(2, "selector", kLabelSelector),
                                               Message(3, "template", kPodTemplateSpec),
                                               Message(4, "strategy", kDeploymentStrategy),
                                               Int(5, "minReadySeconds"),
                                               Int(6, "revisionHistoryLimit", K),
                                               Bool(7, "paused"),
                                               Int(9, "progressDeadlineSeconds", K)};
constexpr MessageSpec kDeploymentSpec{"DeploymentSpec", kDeploymentSpecFields};
constexpr FieldSpec kDeploymentFields[] = {Message(1, "metadata", kObjectMeta),
                                           Message(2, "spec", kDeploymentSpec)};
constexpr MessageSpec kDeployment{"Deployment", kDeploymentFields};

// --- batch/v1 ---

// podFailurePolicy (11) and successPolicy (16) are not covered.
constexpr FieldSpec kJobSpecFields[] = {Int(1, "parallelism", K),
                                        Int(2, "completions", K),
                                        Int(3, "activeDeadlineSeconds", K),
                                        Int(7, "backoffLimit", K),
                                        Int(12, "backoffLimitPerIndex", K),
                                        Int(13, "maxFailedIndexes", K),
                                        Message(4, "selector", kLabelSelector),
                                        Bool(5, "manualSelector", K),
                                        Message(6, "template", kPodTemplateSpec),
                                        Int(8, "ttlSecondsAfterFinished", K),
                                        String(9, "completionMode", K),
                                        Bool(10, "suspend", K),
                                        String(14, "podReplacementPolicy", K),
                                        String(15, "managedBy", K)};
constexpr MessageSpec kJobSpec{"JobSpec", kJobSpecFields};
constexpr FieldSpec kJobFields[] = {Message(1, "metadata", kObjectMeta), Message(2, "spec", kJobSpec)};
constexpr MessageSpec kJob{"Job", kJobFields};

constexpr FieldSpec kJobTemplateSpecFields[] = {Message(1, "metadata", kObjectMeta),
                                                Message(2, "spec", kJobSpec)};
constexpr MessageSpec kJobTemplateSpec{"JobTemplateSpec", kJobTemplateSpecFields};
constexpr FieldSpec kCronJobSpecFields[] = {String(1, "schedule", K),
                                            String(8, "timeZone", K),
                                            Int(2, "startingDeadlineSeconds", K),
                                            String(3, "concurrencyPolicy"),
                                            Bool(4, "suspend", K),
                                            Message(5, "jobTemplate", kJobTemplateSpec),
                                            Int(6, "successfulJobsHistoryLimit", K),
                                            Int(7, "failedJobsHistoryLimit", K)};
constexpr MessageSpec kCronJobSpec{"CronJobSpec", kCronJobSpecFields};
constexpr FieldSpec kCronJobFields[] = {Message(1, "metadata", kObjectMeta),
                                        Message(2, "spec", kCronJobSpec)};
constexpr MessageSpec kCronJob{"CronJob", kCronJobFields};

// --- authorization.k8s.io/v1 ---

constexpr FieldSpec kSelectorAttributesFields[] = {String(1, "rawSelector"),
                                                   Messages(2, "requirements", kSelectorRequirement)};
constexpr MessageSpec kSelectorAttributes{"SelectorAttributes", kSelectorAttributesFields};

constexpr FieldSpec kResourceAttributesFields[] = {String(1, "namespace"),
                                                   String(2, "verb"),
                                                   String(3, "group"),
                                                   String(4, "version"),
                                                   String(5, "resource"),
                                                   String(6, "subresource"),
                                                   String(7, "name"),
                                                   Message(8, "fieldSelector", kSelectorAttributes),
                                                   Message(9, "labelSelector", kSelectorAttributes)};
constexpr MessageSpec kResourceAttributes{"ResourceAttributes", kResourceAttributesFields};

constexpr FieldSpec kNonResourceAttributesFields[] = {String(1, "path"), String(2, "verb")};
constexpr MessageSpec kNonResourceAttributes{"NonResourceAttributes", kNonResourceAttributesFields};

constexpr FieldSpec kSelfSubjectAccessReviewSpecFields[] = {
    Message(1, "resourceAttributes", kResourceAttributes),
    Message(2, "nonResourceAttributes", kNonResourceAttributes)};
constexpr MessageSpec kSelfSubjectAccessReviewSpec{"SelfSubjectAccessReviewSpec",
                                                   kSelfSubjectAccessReviewSpecFields};

constexpr FieldSpec kSubjectAccessReviewSpecFields[] = {
    Message(1, "resourceAttributes", kResourceAttributes),
    Message(2, "nonResourceAttributes", kNonResourceAttributes),
    String(3, "user"),
    Strings(4, "groups"),
    Map(5, "extra", Kind::kStringList),
    String(6, "uid")};
constexpr MessageSpec kSubjectAccessReviewSpec{"SubjectAccessReviewSpec", kSubjectAccessReviewSpecFields};

constexpr FieldSpec kSubjectAccessReviewStatusFields[] = {Bool(1, "allowed", K), Bool(4, "denied"),
                                                          String(2, "reason"), String(3, "evaluationError")};
constexpr MessageSpec kSubjectAccessReviewStatus{"SubjectAccessReviewStatus",
                                                 kSubjectAccessReviewStatusFields};

constexpr FieldSpec kSelfSubjectAccessReviewFields[] = {Message(1, "metadata", kObjectMeta),
                                                        Message(2, "spec", kSelfSubjectAccessReviewSpec),
                                                        Message(3, "status", kSubjectAccessReviewStatus)};
constexpr MessageSpec kSelfSubjectAccessReview{"SelfSubjectAccessReview", kSelfSubjectAccessReviewFields};

// SubjectAccessReview and LocalSubjectAccessReview share this shape.
constexpr FieldSpec kSubjectAccessReviewFields[] = {Message(1, "metadata", kObjectMeta),
                                                    Message(2, "spec", kSubjectAccessReviewSpec),
                                                    Message(3, "status", kSubjectAccessReviewStatus)};
constexpr MessageSpec kSubjectAccessReview{"SubjectAccessReview", kSubjectAccessReviewFields};

constexpr FieldSpec kSelfSubjectRulesReviewSpecFields[] = {String(1, "namespace")};
constexpr MessageSpec kSelfSubjectRulesReviewSpec{"SelfSubjectRulesReviewSpec",
                                                  kSelfSubjectRulesReviewSpecFields};
constexpr FieldSpec kSelfSubjectRulesReviewFields[] = {Message(1, "metadata", kObjectMeta),
                                                       Message(2, "spec", kSelfSubjectRulesReviewSpec)};
constexpr MessageSpec kSelfSubjectRulesReview{"SelfSubjectRulesReview", kSelfSubjectRulesReviewFields};

// --- authentication.k8s.io/v1 ---

constexpr FieldSpec kUserInfoFields[] = {String(1, "username"), String(2, "uid"), Strings(3, "groups"),
                                         Map(4, "extra", Kind::kStringList)};
constexpr MessageSpec kUserInfo{"UserInfo", kUserInfoFields};

constexpr FieldSpec kSelfSubjectReviewStatusFields[] = {Message(1, "userInfo", kUserInfo)};
constexpr MessageSpec kSelfSubjectReviewStatus{"SelfSubjectReviewStatus", kSelfSubjectReviewStatusFields};
constexpr FieldSpec kSelfSubjectReviewFields[] = {Message(1, "metadata", kObjectMeta),
                                                  Message(2, "status", kSelfSubjectReviewStatus)};
constexpr MessageSpec kSelfSubjectReview{"SelfSubjectReview", kSelfSubjectReviewFields};

constexpr FieldSpec kTokenReviewSpecFields[] = {String(1, "token"), Strings(2, "audiences")};
constexpr MessageSpec kTokenReviewSpec{"TokenReviewSpec", kTokenReviewSpecFields};
constexpr FieldSpec kTokenReviewStatusFields[] = {Bool(1, "authenticated"), Message(2, "user", kUserInfo),
                                                  Strings(4, "audiences"), String(3, "error")};
constexpr MessageSpec kTokenReviewStatus{"TokenReviewStatus", kTokenReviewStatusFields};
constexpr FieldSpec kTokenReviewFields[] = {Message(1, "metadata", kObjectMeta),
                                            Message(2, "spec", kTokenReviewSpec),
                                            Message(3, "status", kTokenReviewStatus)};
constexpr MessageSpec kTokenReview{"TokenReview", kTokenReviewFields};

constexpr FieldSpec kBoundObjectReferenceFields[] = {String(1, "kind"), String(2, "apiVersion"),
                                                     String(3, "name"), String(4, "uid")};
constexpr MessageSpec kBoundObjectReference{"BoundObjectReference", kBoundObjectReferenceFields};
constexpr FieldSpec kTokenRequestSpecFields[] = {Strings(1, "audiences"), Int(4, "expirationSeconds", K),
                                                 Message(3, "boundObjectRef", kBoundObjectReference)};
constexpr MessageSpec kTokenRequestSpec{"TokenRequestSpec", kTokenRequestSpecFields};
constexpr FieldSpec kTokenRequestStatusFields[] = {String(1, "token", K), Time(2, "expirationTimestamp")};
constexpr MessageSpec kTokenRequestStatus{"TokenRequestStatus", kTokenRequestStatusFields};
constexpr FieldSpec kTokenRequestFields[] = {Message(1, "metadata", kObjectMeta),
                                             Message(2, "spec", kTokenRequestSpec),
                                             Message(3, "status", kTokenRequestStatus)};
constexpr MessageSpec kTokenRequest{"TokenRequest", kTokenRequestFields};

// --- rbac.authorization.k8s.io/v1 ---

constexpr FieldSpec kPolicyRuleFields[] = {Strings(1, "verbs"), Strings(2, "apiGroups"),
                                           Strings(3, "resources"), Strings(4, "resourceNames"),
                                           Strings(5, "nonResourceURLs")};
constexpr MessageSpec kPolicyRule{"PolicyRule", kPolicyRuleFields};
constexpr FieldSpec kAggregationRuleFields[] = {Messages(1, "clusterRoleSelectors", kLabelSelector)};
constexpr MessageSpec kAggregationRule{"AggregationRule", kAggregationRuleFields};
constexpr FieldSpec kRoleFields[] = {Message(1, "metadata", kObjectMeta), Messages(2, "rules", kPolicyRule),
                                     Message(3, "aggregationRule", kAggregationRule)};
// Role has no field 3; sharing the table with ClusterRole is harmless because a Role body never
// carries it.
constexpr MessageSpec kRole{"Role", kRoleFields};

constexpr FieldSpec kSubjectFields[] = {String(1, "kind", K), String(2, "apiGroup"), String(3, "name", K),
                                        String(4, "namespace")};
constexpr MessageSpec kSubject{"Subject", kSubjectFields};
constexpr FieldSpec kRoleRefFields[] = {String(1, "apiGroup", K), String(2, "kind", K), String(3, "name", K)};
constexpr MessageSpec kRoleRef{"RoleRef", kRoleRefFields};
constexpr FieldSpec kRoleBindingFields[] = {
    Message(1, "metadata", kObjectMeta), Messages(2, "subjects", kSubject), Message(3, "roleRef", kRoleRef)};
constexpr MessageSpec kRoleBinding{"RoleBinding", kRoleBindingFields};

// --- policy/v1 ---

constexpr FieldSpec kEvictionFields[] = {Message(1, "metadata", kObjectMeta),
                                         Message(2, "deleteOptions", kDeleteOptions)};
constexpr MessageSpec kEviction{"Eviction", kEvictionFields};

struct KindEntry {
  std::string_view api_version;
  std::string_view kind;
  const MessageSpec* spec;
};

constexpr KindEntry kKinds[] = {
    {"v1", "Namespace", &kNamespace},
    {"v1", "ConfigMap", &kConfigMap},
    {"v1", "Secret", &kSecret},
    {"v1", "ServiceAccount", &kServiceAccount},
    {"v1", "Service", &kService},
    {"v1", "Pod", &kPod},
    {"v1", "ResourceQuota", &kResourceQuota},
    {"apps/v1", "Deployment", &kDeployment},
    {"batch/v1", "Job", &kJob},
    {"batch/v1", "CronJob", &kCronJob},
    {"authorization.k8s.io/v1", "SelfSubjectAccessReview", &kSelfSubjectAccessReview},
    {"authorization.k8s.io/v1", "SubjectAccessReview", &kSubjectAccessReview},
    {"authorization.k8s.io/v1", "LocalSubjectAccessReview", &kSubjectAccessReview},
    {"authorization.k8s.io/v1", "SelfSubjectRulesReview", &kSelfSubjectRulesReview},
    {"authentication.k8s.io/v1", "SelfSubjectReview", &kSelfSubjectReview},
    {"authentication.k8s.io/v1", "TokenReview", &kTokenReview},
    {"authentication.k8s.io/v1", "TokenRequest", &kTokenRequest},
    {"rbac.authorization.k8s.io/v1", "Role", &kRole},
    {"rbac.authorization.k8s.io/v1", "ClusterRole", &kRole},
    {"rbac.authorization.k8s.io/v1", "RoleBinding", &kRoleBinding},
    {"rbac.authorization.k8s.io/v1", "ClusterRoleBinding", &kRoleBinding},
    {"policy/v1", "Eviction", &kEviction},
    {"meta.k8s.io/v1", "DeleteOptions", &kDeleteOptions},
    {"v1", "DeleteOptions", &kDeleteOptions},
};

const MessageSpec* FindKind(std::string_view api_version, std::string_view kind) {
  for (const auto& entry : kKinds) {
    if (entry.api_version == api_version && entry.kind == kind) return entry.spec;
  }
  return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Encodings the JSON form needs.

std::string Base64(std::string_view data) {
  static constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
  std::string out;
  out.reserve((data.size() + 2) / 3 * 4);
  std::size_t i = 0;
  for (; i + 3 <= data.size(); i += 3) {
    const std::uint32_t n = (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16) |
                            (static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8) |
                            static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 2]));
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += kAlphabet[(n >> 6) & 63];
    out += kAlphabet[n & 63];
  }
  const std::size_t rest = data.size() - i;
  if (rest > 0) {
    std::uint32_t n = static_cast<std::uint32_t>(static_cast<unsigned char>(data[i])) << 16;
    if (rest == 2) n |= static_cast<std::uint32_t>(static_cast<unsigned char>(data[i + 1])) << 8;
    out += kAlphabet[(n >> 18) & 63];
    out += kAlphabet[(n >> 12) & 63];
    out += rest == 2 ? kAlphabet[(n >> 6) & 63] : '=';
    out += '=';
  }
  return out;
}

// Strings become JSON strings, which must be UTF-8; Go would silently replace bad bytes, but a
// body carrying them is not something kubectl produces, so it is rejected instead.
bool IsValidUtf8(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t extra = 0;
    std::uint32_t cp = 0;
    if (c < 0x80) {
      ++i;
      continue;
    }
    if ((c & 0xE0) == 0xC0) {
      extra = 1;
      cp = c & 0x1FU;
    } else if ((c & 0xF0) == 0xE0) {
      extra = 2;
      cp = c & 0x0FU;
    } else if ((c & 0xF8) == 0xF0) {
      extra = 3;
      cp = c & 0x07U;
    } else {
      return false;
    }
    if (s.size() - i <= extra) return false;
    for (std::size_t k = 1; k <= extra; ++k) {
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xC0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3FU);
    }
    static constexpr std::uint32_t kMin[] = {0, 0x80, 0x800, 0x10000};
    if (cp < kMin[extra] || cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) return false;
    i += extra + 1;
  }
  return true;
}

// metav1.Time's JSON form: UTC, whole seconds. Computed from the civil calendar directly so that
// any int64 on the wire is handled without overflowing a clock type.
std::optional<std::string> FormatUnixSeconds(std::int64_t seconds) {
  // Years 0001..9999, as Go's RFC 3339 formatting requires.
  constexpr std::int64_t kMin = -62135596800;  // 0001-01-01T00:00:00Z
  constexpr std::int64_t kMax = 253402300799;  // 9999-12-31T23:59:59Z
  if (seconds < kMin || seconds > kMax) return std::nullopt;
  std::int64_t days = seconds / 86400;
  std::int64_t rem = seconds % 86400;
  if (rem < 0) {
    rem += 86400;
    --days;
  }
  // Days since 1970-01-01 -> (year, month, day), proleptic Gregorian.
  const std::int64_t z = days + 719468;
  const std::int64_t era = (z >= 0 ? z : z - 146096) / 146097;
  const std::int64_t doe = z - era * 146097;
  const std::int64_t yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
  const std::int64_t doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
  const std::int64_t mp = (5 * doy + 2) / 153;
  const std::int64_t day = doy - (153 * mp + 2) / 5 + 1;
  const std::int64_t month = mp < 10 ? mp + 3 : mp - 9;
  const std::int64_t year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  return fmt::format("{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z", year, month, day, rem / 3600, rem % 3600 / 60,
                     rem % 60);
}

// ---------------------------------------------------------------------------------------------
// Wire reading. Every read is bounds-checked against the current (sub-)buffer.

class Reader {
 public:
  explicit Reader(std::string_view data) : data_(data) {}

  bool AtEnd() const { return pos_ >= data_.size(); }

  bool Varint(std::uint64_t& out) {
    out = 0;
    for (unsigned shift = 0; shift < 64; shift += 7) {
      if (pos_ >= data_.size()) return false;
      const auto byte = static_cast<unsigned char>(data_[pos_++]);
      out |= static_cast<std::uint64_t>(byte & 0x7FU) << shift;
      if ((byte & 0x80U) == 0) return true;
    }
    return false;  // longer than the 10 bytes a 64-bit varint can take
  }

  bool Delimited(std::string_view& out) {
    std::uint64_t length = 0;
    if (!Varint(length) || length > data_.size() - pos_) return false;
    out = data_.substr(pos_, static_cast<std::size_t>(length));
    pos_ += static_cast<std::size_t>(length);
    return true;
  }

  bool Fixed(std::size_t width) {
    if (width > data_.size() - pos_) return false;
    pos_ += width;
    return true;
  }

  // Reads a field key; false at malformed keys (field number 0, groups, unknown wire types).
  bool Key(std::uint32_t& number, std::uint32_t& wire_type) {
    std::uint64_t key = 0;
    if (!Varint(key)) return false;
    const std::uint64_t field = key >> 3;
    wire_type = static_cast<std::uint32_t>(key & 7U);
    if (field == 0 || field > 0x1FFFFFFFU) return false;
    number = static_cast<std::uint32_t>(field);
    return wire_type == 0 || wire_type == 1 || wire_type == 2 || wire_type == 5;
  }

  bool Skip(std::uint32_t wire_type) {
    std::uint64_t ignored = 0;
    std::string_view ignored_bytes;
    switch (wire_type) {
      case 0:
        return Varint(ignored);
      case 1:
        return Fixed(8);
      case 2:
        return Delimited(ignored_bytes);
      case 5:
        return Fixed(4);
      default:
        return false;
    }
  }

 private:
  std::string_view data_;
  std::size_t pos_ = 0;
};

constexpr int kMaxDepth = 32;

constexpr bool IsVarintKind(Kind kind) { return kind == Kind::kInt || kind == Kind::kBool; }

class Decoder {
 public:
  const std::string& error() const { return error_; }

  bool Message(std::string_view bytes, const MessageSpec& spec, json::object& out, int depth) {
    if (depth > kMaxDepth) return Fail(spec, "nesting is too deep");
    Reader reader(bytes);
    while (!reader.AtEnd()) {
      std::uint32_t number = 0;
      std::uint32_t wire_type = 0;
      if (!reader.Key(number, wire_type)) return Fail(spec, "malformed field key");
      const FieldSpec* field = Find(spec, number);
      if (field == nullptr) {
        if (!reader.Skip(wire_type)) return Fail(spec, fmt::format("field {} is truncated", number));
        continue;
      }
      if (!Field(reader, spec, *field, wire_type, out, depth)) return false;
    }
    return true;
  }

 private:
  static const FieldSpec* Find(const MessageSpec& spec, std::uint32_t number) {
    for (const auto& field : spec.fields) {
      if (field.number == number) return &field;
    }
    return nullptr;
  }

  bool Fail(const MessageSpec& spec, std::string_view what) {
    if (error_.empty()) error_ = fmt::format("{}: {}", spec.name, what);
    return false;
  }

  bool FailField(const MessageSpec& spec, const FieldSpec& field, std::string_view what) {
    const std::string_view name = field.json_name.empty() ? field.message->name : field.json_name;
    return Fail(spec, fmt::format("field {} ({}): {}", name, field.number, what));
  }

  bool Field(Reader& reader, const MessageSpec& spec, const FieldSpec& field, std::uint32_t wire_type,
             json::object& out, int depth) {
    const bool repeated = (field.flags & kRepeated) != 0;
    // Repeated varints may come packed into one length-delimited field.
    if (repeated && IsVarintKind(field.kind) && wire_type == 2) {
      std::string_view packed;
      if (!reader.Delimited(packed)) return FailField(spec, field, "truncated");
      Reader values(packed);
      json::array& array = ArrayAt(out, field.json_name);
      while (!values.AtEnd()) {
        std::uint64_t raw = 0;
        if (!values.Varint(raw)) return FailField(spec, field, "malformed packed varint");
        array.push_back(VarintValue(field.kind, raw));
      }
      return true;
    }
    const std::uint32_t expected = IsVarintKind(field.kind) ? 0 : 2;
    if (wire_type != expected) {
      return FailField(spec, field, fmt::format("wire type {}, want {}", wire_type, expected));
    }

    if (field.kind == Kind::kInline) {
      std::string_view bytes;
      if (!reader.Delimited(bytes)) return FailField(spec, field, "truncated");
      return Message(bytes, *field.message, out, depth + 1);
    }
    if (field.kind == Kind::kMap) return MapEntry(reader, spec, field, out, depth);

    json::value value;
    bool present = true;
    if (!Value(reader, spec, field, field.kind, field.message, value, present, depth)) return false;
    if (!present) return true;
    if (repeated) {
      ArrayAt(out, field.json_name).push_back(std::move(value));
    } else if ((field.flags & kKeepZero) == 0 && IsZero(value)) {
      out.erase(field.json_name);  // a later zero overrides an earlier value, as in proto
    } else {
      out[field.json_name] = std::move(value);
    }
    return true;
  }

  // Reads one value of `kind` (wire type already checked). `present` is false for a value whose
  // JSON form is absent (a zero metav1.Time, which Go writes as an empty message).
  bool Value(Reader& reader, const MessageSpec& spec, const FieldSpec& field, Kind kind,
             const MessageSpec* message, json::value& out, bool& present, int depth) {
    if (IsVarintKind(kind)) {
      std::uint64_t raw = 0;
      if (!reader.Varint(raw)) return FailField(spec, field, "malformed varint");
      out = VarintValue(kind, raw);
      return true;
    }
    std::string_view bytes;
    if (!reader.Delimited(bytes)) return FailField(spec, field, "truncated");
    switch (kind) {
      case Kind::kString:
        if (!IsValidUtf8(bytes)) return FailField(spec, field, "string is not valid UTF-8");
        out = json::string(bytes);
        return true;
      case Kind::kBytes:
        out = json::string(Base64(bytes));
        return true;
      case Kind::kMessage: {
        json::object child;
        if (!Message(bytes, *message, child, depth + 1)) return false;
        out = std::move(child);
        return true;
      }
      case Kind::kTime:
        return TimeValue(bytes, spec, field, out, present);
      case Kind::kQuantity:
        return QuantityValue(bytes, spec, field, out);
      case Kind::kIntOrString:
        return IntOrStringValue(bytes, spec, field, out);
      case Kind::kStringList:
        return StringListValue(bytes, spec, field, out);
      case Kind::kInt:
      case Kind::kBool:
      case Kind::kInline:
      case Kind::kMap:
        break;
    }
    return FailField(spec, field, "unsupported value kind");
  }

  bool MapEntry(Reader& reader, const MessageSpec& spec, const FieldSpec& field, json::object& out,
                int depth) {
    std::string_view entry_bytes;
    if (!reader.Delimited(entry_bytes)) return FailField(spec, field, "truncated map entry");
    Reader entry(entry_bytes);
    std::string key;
    json::value value;
    bool has_value = false;
    bool present = true;
    while (!entry.AtEnd()) {
      std::uint32_t number = 0;
      std::uint32_t wire_type = 0;
      if (!entry.Key(number, wire_type)) return FailField(spec, field, "malformed map entry");
      if (number == 1) {
        std::string_view key_bytes;
        if (wire_type != 2 || !entry.Delimited(key_bytes)) {
          return FailField(spec, field, "malformed map key");
        }
        if (!IsValidUtf8(key_bytes)) return FailField(spec, field, "map key is not valid UTF-8");
        key.assign(key_bytes);
      } else if (number == 2) {
        const std::uint32_t expected = IsVarintKind(field.map_value) ? 0 : 2;
        if (wire_type != expected) return FailField(spec, field, "malformed map value");
        if (!Value(entry, spec, field, field.map_value, field.message, value, present, depth)) {
          return false;
        }
        has_value = true;
      } else if (!entry.Skip(wire_type)) {
        return FailField(spec, field, "malformed map entry");
      }
    }
    if (!has_value) value = EmptyMapValue(field.map_value);
    json::value& slot = out[field.json_name];
    if (!slot.is_object()) slot = json::object();
    slot.as_object()[key] = std::move(value);
    return true;
  }

  bool TimeValue(std::string_view bytes, const MessageSpec& spec, const FieldSpec& field, json::value& out,
                 bool& present) {
    if (bytes.empty()) {  // the zero time: JSON would say null, which the server reads as absent
      present = false;
      return true;
    }
    Reader reader(bytes);
    std::uint64_t seconds = 0;
    while (!reader.AtEnd()) {
      std::uint32_t number = 0;
      std::uint32_t wire_type = 0;
      if (!reader.Key(number, wire_type)) return FailField(spec, field, "malformed time");
      if (number == 1 && wire_type == 0) {
        if (!reader.Varint(seconds)) return FailField(spec, field, "malformed time seconds");
      } else if (!reader.Skip(wire_type)) {  // nanos: the JSON form has whole seconds only
        return FailField(spec, field, "malformed time");
      }
    }
    auto text = FormatUnixSeconds(static_cast<std::int64_t>(seconds));
    if (!text) return FailField(spec, field, "time is out of range");
    out = json::string(*text);
    return true;
  }

  bool QuantityValue(std::string_view bytes, const MessageSpec& spec, const FieldSpec& field,
                     json::value& out) {
    Reader reader(bytes);
    std::string_view text = "0";  // the zero Quantity's JSON form
    while (!reader.AtEnd()) {
      std::uint32_t number = 0;
      std::uint32_t wire_type = 0;
      if (!reader.Key(number, wire_type)) return FailField(spec, field, "malformed quantity");
      if (number == 1 && wire_type == 2) {
        if (!reader.Delimited(text)) return FailField(spec, field, "malformed quantity");
      } else if (!reader.Skip(wire_type)) {
        return FailField(spec, field, "malformed quantity");
      }
    }
    if (!IsValidUtf8(text)) return FailField(spec, field, "quantity is not valid UTF-8");
    out = json::string(text.empty() ? std::string_view("0") : text);
    return true;
  }

  bool IntOrStringValue(std::string_view bytes, const MessageSpec& spec, const FieldSpec& field,
                        json::value& out) {
    Reader reader(bytes);
    std::uint64_t type = 0;
    std::uint64_t int_value = 0;
    std::string_view str_value;
    while (!reader.AtEnd()) {
      std::uint32_t number = 0;
      std::uint32_t wire_type = 0;
      if (!reader.Key(number, wire_type)) return FailField(spec, field, "malformed int-or-string");
      bool ok = true;
      if (number == 1 && wire_type == 0) {
        ok = reader.Varint(type);
      } else if (number == 2 && wire_type == 0) {
        ok = reader.Varint(int_value);
      } else if (number == 3 && wire_type == 2) {
        ok = reader.Delimited(str_value);
      } else {
        ok = reader.Skip(wire_type);
      }
      if (!ok) return FailField(spec, field, "malformed int-or-string");
    }
    if (type == 1) {
      if (!IsValidUtf8(str_value)) return FailField(spec, field, "string is not valid UTF-8");
      out = json::string(str_value);
    } else {
      // intVal is an int32; a negative one arrives sign-extended to 64 bits.
      out = static_cast<std::int64_t>(static_cast<std::int32_t>(int_value));
    }
    return true;
  }

  bool StringListValue(std::string_view bytes, const MessageSpec& spec, const FieldSpec& field,
                       json::value& out) {
    Reader reader(bytes);
    json::array items;
    while (!reader.AtEnd()) {
      std::uint32_t number = 0;
      std::uint32_t wire_type = 0;
      if (!reader.Key(number, wire_type)) return FailField(spec, field, "malformed string list");
      if (number == 1 && wire_type == 2) {
        std::string_view item;
        if (!reader.Delimited(item) || !IsValidUtf8(item)) {
          return FailField(spec, field, "malformed string list");
        }
        items.emplace_back(json::string(item));
      } else if (!reader.Skip(wire_type)) {
        return FailField(spec, field, "malformed string list");
      }
    }
    out = std::move(items);
    return true;
  }

  static json::value VarintValue(Kind kind, std::uint64_t raw) {
    if (kind == Kind::kBool) return json::value(raw != 0);
    // int32 and int64 both arrive as the two's complement of the 64-bit value.
    return json::value(static_cast<std::int64_t>(raw));
  }

  static json::value EmptyMapValue(Kind kind) {
    switch (kind) {
      case Kind::kQuantity:
        return json::string("0");
      case Kind::kStringList:
        return json::array();
      case Kind::kMessage:
        return json::object();
      default:
        return json::string();
    }
  }

  static bool IsZero(const json::value& value) {
    if (value.is_string()) return value.get_string().empty();
    if (value.is_int64()) return value.get_int64() == 0;
    if (value.is_bool()) return !value.get_bool();
    return false;
  }

  static json::array& ArrayAt(json::object& out, std::string_view name) {
    json::value& slot = out[name];
    if (!slot.is_array()) slot = json::array();
    return slot.as_array();
  }

  std::string error_;
};

struct Envelope {
  std::string_view api_version;
  std::string_view kind;
  std::string_view raw;
  std::string_view content_encoding;
  std::string_view content_type;
};

ApiStatus Malformed(std::string_view what) {
  return BadRequest(fmt::format("the request body is not valid Kubernetes protobuf ({}): {}",
                                kKubernetesProtobufMediaType, what));
}

bool ReadTypeMeta(std::string_view bytes, Envelope& envelope) {
  Reader reader(bytes);
  while (!reader.AtEnd()) {
    std::uint32_t number = 0;
    std::uint32_t wire_type = 0;
    if (!reader.Key(number, wire_type)) return false;
    if ((number == 1 || number == 2) && wire_type == 2) {
      if (!reader.Delimited(number == 1 ? envelope.api_version : envelope.kind)) return false;
    } else if (!reader.Skip(wire_type)) {
      return false;
    }
  }
  return true;
}

ApiResult<Envelope> ReadEnvelope(std::string_view body) {
  static constexpr std::string_view kMagic("k8s\0", 4);
  if (body.size() < kMagic.size() || body.substr(0, kMagic.size()) != kMagic) {
    return Malformed("it does not start with the \"k8s\\x00\" prefix");
  }
  Envelope envelope;
  Reader reader(body.substr(kMagic.size()));
  while (!reader.AtEnd()) {
    std::uint32_t number = 0;
    std::uint32_t wire_type = 0;
    if (!reader.Key(number, wire_type)) return Malformed("malformed field key in runtime.Unknown");
    bool ok = true;
    if (number >= 1 && number <= 4 && wire_type == 2) {
      std::string_view bytes;
      ok = reader.Delimited(bytes);
      if (ok && number == 1) ok = ReadTypeMeta(bytes, envelope);
      if (number == 2) envelope.raw = bytes;
      if (number == 3) envelope.content_encoding = bytes;
      if (number == 4) envelope.content_type = bytes;
    } else if (number >= 1 && number <= 4) {
      ok = false;
    } else {
      ok = reader.Skip(wire_type);
    }
    if (!ok) return Malformed(fmt::format("runtime.Unknown field {} is malformed", number));
  }
  if (envelope.kind.empty()) return Malformed("runtime.Unknown has no typeMeta.kind");
  if (!IsValidUtf8(envelope.api_version) || !IsValidUtf8(envelope.kind)) {
    return Malformed("typeMeta is not valid UTF-8");
  }
  return envelope;
}

ApiStatus NotSupported(std::string message) {
  ApiStatus status = UnsupportedMediaType(kKubernetesProtobufMediaType);
  status.message = std::move(message);
  return status;
}

}  // namespace

bool IsKubernetesProtobufContentType(std::string_view content_type) {
  const auto semicolon = content_type.find(';');
  std::string_view media = content_type.substr(0, semicolon);
  while (!media.empty() && (media.front() == ' ' || media.front() == '\t')) media.remove_prefix(1);
  while (!media.empty() && (media.back() == ' ' || media.back() == '\t')) media.remove_suffix(1);
  if (media.size() != kKubernetesProtobufMediaType.size()) return false;
  for (std::size_t i = 0; i < media.size(); ++i) {
    char c = media[i];
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
    if (c != kKubernetesProtobufMediaType[i]) return false;
  }
  return true;
}

ApiResult<json::object> DecodeKubernetesProtobuf(std::string_view body) {
  auto envelope_result = ReadEnvelope(body);
  if (!IsOk(envelope_result)) return std::get<ApiStatus>(std::move(envelope_result));
  const Envelope& envelope = std::get<Envelope>(envelope_result);

  const std::string api_kind = envelope.api_version.empty()
                                   ? std::string(envelope.kind)
                                   : fmt::format("{}/{}", envelope.api_version, envelope.kind);
  if (!envelope.content_encoding.empty()) {
    return NotSupported(
        fmt::format("{} in protobuf with content encoding \"{}\" is not supported by this server; send the "
                    "body as JSON (Content-Type: application/json)",
                    api_kind, envelope.content_encoding));
  }
  if (!envelope.content_type.empty() && !IsKubernetesProtobufContentType(envelope.content_type)) {
    return NotSupported(
        fmt::format("{} wrapped as \"{}\" is not supported by this server; send the body as JSON "
                    "(Content-Type: application/json)",
                    api_kind, envelope.content_type));
  }
  const MessageSpec* spec = FindKind(envelope.api_version, envelope.kind);
  if (spec == nullptr) {
    return NotSupported(
        fmt::format("{} is not supported in protobuf ({}) by this server; send the body as JSON "
                    "(Content-Type: application/json)",
                    api_kind, kKubernetesProtobufMediaType));
  }

  json::object object;
  object["apiVersion"] = envelope.api_version;
  object["kind"] = envelope.kind;
  Decoder decoder;
  if (!decoder.Message(envelope.raw, *spec, object, 0)) {
    return Malformed(fmt::format("cannot decode {}: {}", api_kind, decoder.error()));
  }
  return object;
}

std::vector<std::string> ProtobufDecodableKinds() {
  std::vector<std::string> kinds;
  kinds.reserve(std::size(kKinds));
  for (const auto& entry : kKinds) {
    kinds.push_back(fmt::format("{}/{}", entry.api_version, entry.kind));
  }
  return kinds;
}

}  // namespace airunway::kubesim
