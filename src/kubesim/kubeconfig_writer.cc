#include "kubesim/kubeconfig_writer.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml-cpp/yaml.h>

#include <fmt/format.h>

#include <cerrno>
#include <filesystem>
#include <string_view>
#include <system_error>

#include "kubesim/pki.h"

namespace airunway::kubesim {
namespace {

using common::ErrorCode;
using common::MakeError;

std::string ErrnoText(int error) { return std::error_code(error, std::generic_category()).message(); }

common::Error WriteError(const std::string& path, std::string_view cause) {
  return MakeError(ErrorCode::kInternal, fmt::format("writing kubeconfig \"{}\": {}", path, cause));
}

// Creates the missing directories above `path` with mode 0700: they will hold credentials.
common::Status EnsureParentDirectories(const std::string& path) {
  const std::filesystem::path parent = std::filesystem::path(path).parent_path();
  if (parent.empty()) return {};
  std::filesystem::path prefix;
  for (const auto& part : parent) {
    prefix /= part;
    if (::mkdir(prefix.c_str(), 0700) != 0 && errno != EEXIST) {
      return WriteError(path, fmt::format("creating directory \"{}\": {}", prefix.string(), ErrnoText(errno)));
    }
  }
  return {};
}

common::Status WriteAllAndSync(int fd, std::string_view data) {
  while (!data.empty()) {
    const ssize_t n = ::write(fd, data.data(), data.size());
    if (n < 0) {
      if (errno == EINTR) continue;
      return MakeError(ErrorCode::kInternal, ErrnoText(errno));
    }
    data.remove_prefix(static_cast<std::size_t>(n));
  }
  if (::fchmod(fd, 0600) != 0 || ::fsync(fd) != 0) return MakeError(ErrorCode::kInternal, ErrnoText(errno));
  return {};
}

}  // namespace

common::Result<std::string> RenderKubeconfig(const KubeconfigOptions& options) {
  if (options.server_url.empty()) return MakeError(ErrorCode::kInvalid, "kubeconfig: the server URL is required");
  const std::string_view url = options.server_url;
  const bool https = url.substr(0, 8) == "https://";
  const bool http = url.substr(0, 7) == "http://";
  if (!https && !http) {
    return MakeError(ErrorCode::kInvalid,
                     fmt::format("kubeconfig: server URL \"{}\" must start with https:// or http://", url));
  }
  if (https && options.ca_pem.empty() && !options.insecure_skip_tls_verify) {
    return MakeError(ErrorCode::kInvalid,
                     "kubeconfig: an https server needs the CA certificate (or insecure_skip_tls_verify)");
  }
  if (options.client_cert_pem.empty() != options.client_key_pem.empty()) {
    return MakeError(ErrorCode::kInvalid, "kubeconfig: a client certificate and its key go together");
  }
  if (options.cluster_name.empty() || options.user_name.empty() || options.context_name.empty()) {
    return MakeError(ErrorCode::kInvalid, "kubeconfig: cluster, user and context names must not be empty");
  }

  try {
    YAML::Emitter out;
    out << YAML::BeginMap;
    out << YAML::Key << "apiVersion" << YAML::Value << "v1";
    out << YAML::Key << "kind" << YAML::Value << "Config";

    out << YAML::Key << "clusters" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << options.cluster_name;
    out << YAML::Key << "cluster" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "server" << YAML::Value << options.server_url;
    if (https && !options.ca_pem.empty()) {
      out << YAML::Key << "certificate-authority-data" << YAML::Value << Base64Encode(options.ca_pem);
    } else {
      out << YAML::Key << "insecure-skip-tls-verify" << YAML::Value << true;
    }
    out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;

    out << YAML::Key << "users" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << options.user_name;
    out << YAML::Key << "user" << YAML::Value << YAML::BeginMap;
    if (!options.client_cert_pem.empty()) {
      out << YAML::Key << "client-certificate-data" << YAML::Value << Base64Encode(options.client_cert_pem);
      out << YAML::Key << "client-key-data" << YAML::Value << Base64Encode(options.client_key_pem);
    }
    if (!options.token.empty()) out << YAML::Key << "token" << YAML::Value << options.token;
    out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;

    out << YAML::Key << "contexts" << YAML::Value << YAML::BeginSeq << YAML::BeginMap;
    out << YAML::Key << "name" << YAML::Value << options.context_name;
    out << YAML::Key << "context" << YAML::Value << YAML::BeginMap;
    out << YAML::Key << "cluster" << YAML::Value << options.cluster_name;
    out << YAML::Key << "user" << YAML::Value << options.user_name;
    if (!options.namespace_name.empty()) out << YAML::Key << "namespace" << YAML::Value << options.namespace_name;
    out << YAML::EndMap << YAML::EndMap << YAML::EndSeq;

    out << YAML::Key << "current-context" << YAML::Value << options.context_name;
    out << YAML::Key << "preferences" << YAML::Value << YAML::Flow << YAML::BeginMap << YAML::EndMap;
    out << YAML::EndMap;
    if (!out.good()) return MakeError(ErrorCode::kInternal, "kubeconfig: YAML emitter: " + out.GetLastError());
    std::string text = out.c_str();
    text += '\n';
    return text;
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInternal, fmt::format("kubeconfig: YAML emitter: {}", e.msg));
  }
}

common::Status WriteKubeconfig(const std::string& path, const KubeconfigOptions& options) {
  if (path.empty()) return MakeError(ErrorCode::kInvalid, "writing kubeconfig: the path is empty");
  auto text = RenderKubeconfig(options);
  if (!text) return text.error();
  if (auto s = EnsureParentDirectories(path); !s) return s.error();

  // The temporary file sits beside the target so that rename() stays within one file system
  // and is atomic. mkstemp creates it 0600 from the start: the credentials are never readable
  // by others, not even for a moment.
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) return WriteError(path, fmt::format("creating a temporary file: {}", ErrnoText(errno)));
  auto written = WriteAllAndSync(fd, *text);
  const int close_result = ::close(fd);
  const int close_errno = errno;
  if (written && close_result != 0) written = MakeError(ErrorCode::kInternal, ErrnoText(close_errno));
  if (written && ::rename(temp.c_str(), path.c_str()) != 0) {
    written = MakeError(ErrorCode::kInternal, ErrnoText(errno));
  }
  if (!written) {
    ::unlink(temp.c_str());
    return WriteError(path, written.error().message);
  }
  return {};
}

}  // namespace airunway::kubesim
