#include "kube/credentials.h"

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <boost/json.hpp>

#include <array>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <mutex>
#include <sstream>

#include "common/json.h"
#include "common/time.h"
#include "kube/encoding.h"

extern char** environ;

namespace airunway::kube {

using common::ErrorCode;
using common::MakeError;

namespace {

class Anonymous final : public CredentialProvider {
 public:
  common::Result<Credential> Get() override { return Credential{}; }
  std::string Kind() const override { return "anonymous"; }
};

class Static final : public CredentialProvider {
 public:
  Static(Credential credential, std::string kind) : credential_(std::move(credential)), kind_(std::move(kind)) {}
  common::Result<Credential> Get() override { return credential_; }
  std::string Kind() const override { return kind_; }

 private:
  const Credential credential_;
  const std::string kind_;
};

class TokenFile final : public CredentialProvider {
 public:
  explicit TokenFile(std::string path) : path_(std::move(path)) {}

  common::Result<Credential> Get() override {
    struct stat info {};
    if (::stat(path_.c_str(), &info) != 0) {
      return MakeError(ErrorCode::kUnauthorized,
                       "cannot read token file " + path_ + ": " + std::strerror(errno), "TokenFileUnreadable");
    }
    std::lock_guard lock(mutex_);
    const auto stamp = std::make_pair(static_cast<std::int64_t>(info.st_mtim.tv_sec) * 1'000'000'000 + info.st_mtim.tv_nsec,
                                      static_cast<std::int64_t>(info.st_size));
    if (!cached_ || stamp != stamp_) {
      auto text = ReadFile(path_);
      if (!text) return text.error();
      std::string token = TrimSpace(*text);
      if (token.empty()) {
        return MakeError(ErrorCode::kUnauthorized, "token file " + path_ + " is empty", "TokenFileEmpty");
      }
      cached_ = std::move(token);
      stamp_ = stamp;
    }
    Credential credential;
    credential.bearer_token = *cached_;
    return credential;
  }

  bool Invalidate() override {
    std::lock_guard lock(mutex_);
    cached_.reset();
    return true;
  }
  std::string Kind() const override { return "token-file"; }

 private:
  const std::string path_;
  std::mutex mutex_;
  std::optional<std::string> cached_;  // guarded by mutex_
  std::pair<std::int64_t, std::int64_t> stamp_;  // guarded by mutex_
};

struct ProcessOutput {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `argv` with `envp`, no stdin, collecting stdout and stderr until it exits or `timeout`
// passes (then it is killed). kNotFound when the program does not exist.
common::Result<ProcessOutput> RunProcess(const std::vector<std::string>& argv,
                                         const std::vector<std::string>& envp,
                                         std::chrono::milliseconds timeout) {
  int out_pipe[2];
  int err_pipe[2];
  if (::pipe2(out_pipe, O_CLOEXEC) != 0) return MakeError(ErrorCode::kInternal, "pipe failed");
  if (::pipe2(err_pipe, O_CLOEXEC) != 0) {
    ::close(out_pipe[0]);
    ::close(out_pipe[1]);
    return MakeError(ErrorCode::kInternal, "pipe failed");
  }
  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_adddup2(&actions, out_pipe[1], 1);
  posix_spawn_file_actions_adddup2(&actions, err_pipe[1], 2);

  std::vector<char*> c_argv;
  for (const auto& arg : argv) c_argv.push_back(const_cast<char*>(arg.c_str()));  // NOLINT
  c_argv.push_back(nullptr);
  std::vector<char*> c_envp;
  for (const auto& entry : envp) c_envp.push_back(const_cast<char*>(entry.c_str()));  // NOLINT
  c_envp.push_back(nullptr);

  pid_t pid = 0;
  const bool search_path = argv[0].find('/') == std::string::npos;
  int rc = search_path ? ::posix_spawnp(&pid, argv[0].c_str(), &actions, nullptr, c_argv.data(), c_envp.data())
                       : ::posix_spawn(&pid, argv[0].c_str(), &actions, nullptr, c_argv.data(), c_envp.data());
  posix_spawn_file_actions_destroy(&actions);
  ::close(out_pipe[1]);
  ::close(err_pipe[1]);
  if (rc != 0) {
    ::close(out_pipe[0]);
    ::close(err_pipe[0]);
    if (rc == ENOENT) return MakeError(ErrorCode::kNotFound, "not found");
    return MakeError(ErrorCode::kInternal, std::strerror(rc));
  }

  ProcessOutput output;
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  std::array<pollfd, 2> fds{{{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}}};
  int open_fds = 2;
  bool timed_out = false;
  std::array<char, 4096> buffer{};
  while (open_fds > 0) {
    auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - std::chrono::steady_clock::now());
    if (left.count() <= 0) {
      timed_out = true;
      break;
    }
    int ready = ::poll(fds.data(), fds.size(), static_cast<int>(left.count()));
    if (ready < 0 && errno == EINTR) continue;
    if (ready <= 0) continue;
    for (std::size_t i = 0; i < fds.size(); ++i) {
      if (fds[i].fd < 0 || fds[i].revents == 0) continue;
      ssize_t n = ::read(fds[i].fd, buffer.data(), buffer.size());
      if (n > 0) {
        (i == 0 ? output.out : output.err).append(buffer.data(), static_cast<std::size_t>(n));
      } else if (n == 0 || errno != EINTR) {
        ::close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      }
    }
  }
  for (auto& fd : fds) {
    if (fd.fd >= 0) ::close(fd.fd);
  }
  if (timed_out) ::kill(pid, SIGKILL);
  int status = 0;
  while (::waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  if (timed_out) {
    return MakeError(ErrorCode::kTimeout, "did not finish within " + std::to_string(timeout.count()) + "ms");
  }
  output.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  return output;
}

class Exec final : public CredentialProvider {
 public:
  Exec(ExecConfig config, ExecClusterInfo cluster, Clock clock)
      : config_(std::move(config)), cluster_(std::move(cluster)), clock_(std::move(clock)) {
    if (!clock_) clock_ = [] { return std::chrono::system_clock::now(); };
  }

  common::Result<Credential> Get() override {
    std::lock_guard lock(mutex_);
    if (cached_ && (!expiry_ || clock_() < *expiry_)) return *cached_;
    cached_.reset();
    auto fresh = Run();
    if (!fresh) return fresh.error();
    cached_ = std::move(*fresh);
    return *cached_;
  }

  bool Invalidate() override {
    std::lock_guard lock(mutex_);
    cached_.reset();
    return true;
  }
  std::string Kind() const override { return "exec"; }

 private:
  std::string Name() const { return "exec plugin \"" + config_.command + "\""; }

  std::string ExecInfo() const {
    boost::json::object spec{{"interactive", false}};
    if (config_.provide_cluster_info) {
      boost::json::object cluster{{"server", cluster_.server}};
      if (!cluster_.tls_server_name.empty()) cluster["tls-server-name"] = cluster_.tls_server_name;
      if (cluster_.insecure_skip_tls_verify) cluster["insecure-skip-tls-verify"] = true;
      if (!cluster_.ca_pem.empty()) cluster["certificate-authority-data"] = Base64Encode(cluster_.ca_pem);
      if (!cluster_.proxy_url.empty()) cluster["proxy-url"] = cluster_.proxy_url;
      spec["cluster"] = std::move(cluster);
    }
    boost::json::object info{{"kind", "ExecCredential"}, {"apiVersion", config_.api_version}, {"spec", std::move(spec)}};
    return boost::json::serialize(info);
  }

  common::Result<Credential> Run() {
    if (config_.api_version != "client.authentication.k8s.io/v1" &&
        config_.api_version != "client.authentication.k8s.io/v1beta1") {
      return MakeError(ErrorCode::kUnauthorized,
                       Name() + ": unsupported apiVersion \"" + config_.api_version +
                           "\" (want client.authentication.k8s.io/v1 or v1beta1)",
                       "ExecPluginFailed");
    }
    std::string command = config_.command;
    if (command.find('/') != std::string::npos && command.front() != '/' && !config_.base_dir.empty()) {
      command = config_.base_dir + "/" + command;
    }
    std::vector<std::string> argv{command};
    argv.insert(argv.end(), config_.args.begin(), config_.args.end());
    std::vector<std::string> envp;
    for (char** entry = environ; entry != nullptr && *entry != nullptr; ++entry) {
      std::string_view text(*entry);
      bool overridden = text.starts_with("KUBERNETES_EXEC_INFO=");
      for (const auto& [name, value] : config_.env) {
        if (text.size() > name.size() && text.starts_with(name) && text[name.size()] == '=') overridden = true;
      }
      if (!overridden) envp.emplace_back(text);
    }
    for (const auto& [name, value] : config_.env) envp.push_back(name + "=" + value);
    envp.push_back("KUBERNETES_EXEC_INFO=" + ExecInfo());

    auto output = RunProcess(argv, envp, config_.timeout);
    if (!output) {
      std::string message = Name() + ": " + output.error().message;
      if (output.error().code == ErrorCode::kNotFound && !config_.install_hint.empty()) {
        message += "\n\n" + config_.install_hint;
      }
      return MakeError(ErrorCode::kUnauthorized, std::move(message), "ExecPluginFailed");
    }
    if (output->exit_code != 0) {
      std::string message = Name() + " exited with status " + std::to_string(output->exit_code);
      std::string err = TrimSpace(output->err.substr(0, 300));
      if (!err.empty()) message += ": " + err;
      return MakeError(ErrorCode::kUnauthorized, std::move(message), "ExecPluginFailed");
    }
    return Decode(output->out);
  }

  common::Result<Credential> Decode(std::string_view text) {
    auto fail = [&](const std::string& why) {
      return MakeError(ErrorCode::kUnauthorized, Name() + " returned an unusable ExecCredential: " + why,
                       "ExecPluginFailed");
    };
    boost::json::error_code ec;
    auto parsed = boost::json::parse(text, ec);
    if (ec || !parsed.is_object()) return fail("its output is not a JSON object");
    const auto& object = parsed.as_object();
    if (common::GetString(object, "kind").value_or("") != "ExecCredential") return fail("kind is not ExecCredential");
    if (common::GetString(object, "apiVersion").value_or("") != config_.api_version) {
      return fail("apiVersion does not match the configured " + config_.api_version);
    }
    const auto* status = common::GetObject(object, "status");
    if (status == nullptr) return fail("status is missing");
    Credential credential;
    credential.bearer_token = std::string(common::GetString(*status, "token").value_or(""));
    credential.client_cert_pem = std::string(common::GetString(*status, "clientCertificateData").value_or(""));
    credential.client_key_pem = std::string(common::GetString(*status, "clientKeyData").value_or(""));
    if (credential.client_cert_pem.empty() != credential.client_key_pem.empty()) {
      return fail("clientCertificateData and clientKeyData must come together");
    }
    if (credential.bearer_token.empty() && credential.client_cert_pem.empty()) {
      return fail("it has neither a token nor a client certificate");
    }
    expiry_.reset();
    if (auto stamp = common::GetString(*status, "expirationTimestamp"); stamp && !stamp->empty()) {
      auto when = common::ParseRfc3339(*stamp);
      if (!when) return fail("expirationTimestamp is not an RFC 3339 time");
      expiry_ = *when;
    }
    return credential;
  }

  const ExecConfig config_;
  const ExecClusterInfo cluster_;
  Clock clock_;
  std::mutex mutex_;
  std::optional<Credential> cached_;  // guarded by mutex_
  std::optional<std::chrono::system_clock::time_point> expiry_;  // guarded by mutex_
};

}  // namespace

std::shared_ptr<CredentialProvider> AnonymousCredentials() { return std::make_shared<Anonymous>(); }

std::shared_ptr<CredentialProvider> StaticCredentials(Credential credential, std::string kind) {
  return std::make_shared<Static>(std::move(credential), std::move(kind));
}

std::shared_ptr<CredentialProvider> TokenFileCredentials(std::string path) {
  return std::make_shared<TokenFile>(std::move(path));
}

std::shared_ptr<CredentialProvider> ExecCredentials(ExecConfig config, ExecClusterInfo cluster, Clock clock) {
  return std::make_shared<Exec>(std::move(config), std::move(cluster), std::move(clock));
}

}  // namespace airunway::kube
