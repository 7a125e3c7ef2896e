#include "kube/config.h"

#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <map>

#include "kube/encoding.h"

namespace airunway::kube {

using common::ErrorCode;
using common::MakeError;

namespace {

struct Entry {
  YAML::Node node;   // the entry's inner map ("cluster:", "user:", "context:")
  std::string file;  // the kubeconfig that defined it
};

std::string DirOf(const std::string& path) {
  auto parent = std::filesystem::path(path).parent_path();
  return parent.empty() ? std::string(".") : parent.string();
}

std::string ResolvePath(const std::string& file, const std::string& path) {
  if (path.empty() || path.front() == '/') return path;
  return DirOf(file) + "/" + path;
}

}  // namespace

struct Kubeconfig::Data {
  std::map<std::string, Entry> clusters;
  std::map<std::string, Entry> users;
  std::map<std::string, Entry> contexts;
  std::string current_context;
  std::vector<std::string> problems;
  std::string source;
};

Getenv SystemGetenv() {
  return [](const std::string& name) -> std::optional<std::string> {
    const char* value = std::getenv(name.c_str());  // NOLINT(concurrency-mt-unsafe)
    if (value == nullptr) return std::nullopt;
    return std::string(value);
  };
}

namespace {

// Reads named entries ("clusters: [{name: x, cluster: {...}}]") first-wins into `into`.
void CollectNamed(const YAML::Node& list, const char* list_key, const char* inner_key, const std::string& file,
                  std::map<std::string, Entry>& into, std::vector<std::string>& problems) {
  if (!list || list.IsNull()) return;
  if (!list.IsSequence()) {
    problems.push_back(file + ": " + list_key + ": must be a list");
    return;
  }
  std::size_t index = 0;
  for (const auto& item : list) {
    const std::string where = file + ": " + list_key + "[" + std::to_string(index++) + "]";
    if (!item.IsMap() || !item["name"] || !item["name"].IsScalar() || item["name"].Scalar().empty()) {
      problems.push_back(where + ": name: missing");
      continue;
    }
    const std::string name = item["name"].Scalar();
    if (into.contains(name)) continue;  // first wins
    YAML::Node inner = item[inner_key];
    into.emplace(name, Entry{inner ? inner : YAML::Node(YAML::NodeType::Map), file});
  }
}

// Typed field access that reports "<file>: <kind> "<name>": <field>: <problem>".
class Fields {
 public:
  Fields(const Entry& entry, std::string what) : entry_(entry), what_(std::move(what)) {}

  common::Error Fail(std::string_view field, std::string_view problem) const {
    return MakeError(ErrorCode::kInvalid, entry_.file + ": " + what_ + ": " + std::string(field) + ": " +
                                              std::string(problem),
                     "InvalidKubeconfig");
  }

  // Empty when absent; an error when present but not a scalar.
  common::Result<std::string> String(const char* field) const {
    if (!entry_.node.IsMap()) return std::string();
    YAML::Node value = entry_.node[field];
    if (!value || value.IsNull()) return std::string();
    if (!value.IsScalar()) return Fail(field, "must be a string");
    return value.Scalar();
  }

  common::Result<bool> Bool(const char* field) const {
    auto text = String(field);
    if (!text) return text.error();
    if (text->empty() || *text == "false") return false;
    if (*text == "true") return true;
    return Fail(field, "must be true or false");
  }

  // `<field>-data` (base64) or `<field>` (a path); data wins, as in client-go.
  common::Result<std::string> DataOrFile(const std::string& field) const {
    auto data = String((field + "-data").c_str());
    if (!data) return data.error();
    if (!data->empty()) {
      auto decoded = Base64Decode(*data);
      if (!decoded) return Fail(field + "-data", "not valid base64");
      return *decoded;
    }
    auto path = String(field.c_str());
    if (!path) return path.error();
    if (path->empty()) return std::string();
    auto text = ReadFile(ResolvePath(entry_.file, *path));
    if (!text) return Fail(field, text.error().message);
    return *text;
  }

  const YAML::Node& node() const { return entry_.node; }
  const std::string& file() const { return entry_.file; }

 private:
  const Entry& entry_;
  std::string what_;
};

common::Result<ExecConfig> ParseExec(const Fields& user, const YAML::Node& node) {
  if (!node.IsMap()) return user.Fail("exec", "must be a map");
  ExecConfig exec;
  auto fail = [&](const std::string& field, std::string_view problem) { return user.Fail("exec." + field, problem); };
  auto scalar = [&](const char* key) -> common::Result<std::string> {
    YAML::Node v = node[key];
    if (!v || v.IsNull()) return std::string();
    if (!v.IsScalar()) return fail(key, "must be a string");
    return v.Scalar();
  };
  auto api_version = scalar("apiVersion");
  if (!api_version) return api_version.error();
  if (api_version->empty()) return fail("apiVersion", "missing");
  exec.api_version = *api_version;
  auto command = scalar("command");
  if (!command) return command.error();
  if (command->empty()) return fail("command", "missing");
  exec.command = *command;
  auto hint = scalar("installHint");
  if (!hint) return hint.error();
  exec.install_hint = *hint;
  auto mode = scalar("interactiveMode");
  if (!mode) return mode.error();
  exec.interactive_mode = *mode;
  if (exec.interactive_mode == "Always") {
    return fail("interactiveMode", "Always needs a terminal, and this client never has one");
  }
  auto provide = scalar("provideClusterInfo");
  if (!provide) return provide.error();
  exec.provide_cluster_info = *provide == "true";
  if (YAML::Node args = node["args"]; args && !args.IsNull()) {
    if (!args.IsSequence()) return fail("args", "must be a list of strings");
    for (const auto& arg : args) {
      if (!arg.IsScalar()) return fail("args", "must be a list of strings");
      exec.args.push_back(arg.Scalar());
    }
  }
  if (YAML::Node env = node["env"]; env && !env.IsNull()) {
    if (!env.IsSequence()) return fail("env", "must be a list of {name, value}");
    for (const auto& item : env) {
      if (!item.IsMap() || !item["name"] || !item["name"].IsScalar()) return fail("env", "every entry needs a name");
      exec.env.emplace_back(item["name"].Scalar(), item["value"] && item["value"].IsScalar() ? item["value"].Scalar() : "");
    }
  }
  exec.base_dir = DirOf(user.file());
  return exec;
}

}  // namespace

common::Result<Kubeconfig> Kubeconfig::Parse(std::string_view yaml, const std::string& path) {
  auto data = std::make_shared<Data>();
  data->source = path;
  try {
    YAML::Node root = YAML::Load(std::string(yaml));
    if (root.IsNull()) return Kubeconfig(std::move(data));  // an empty file is an empty config
    if (!root.IsMap()) {
      return MakeError(ErrorCode::kInvalid, path + ": not a kubeconfig (the document is not a map)",
                       "InvalidKubeconfig");
    }
    if (YAML::Node kind = root["kind"]; kind && kind.IsScalar() && kind.Scalar() != "Config") {
      return MakeError(ErrorCode::kInvalid, path + ": kind: want Config, got " + kind.Scalar(), "InvalidKubeconfig");
    }
    CollectNamed(root["clusters"], "clusters", "cluster", path, data->clusters, data->problems);
    CollectNamed(root["users"], "users", "user", path, data->users, data->problems);
    CollectNamed(root["contexts"], "contexts", "context", path, data->contexts, data->problems);
    if (YAML::Node current = root["current-context"]; current && current.IsScalar()) {
      data->current_context = current.Scalar();
    }
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalid,
                     path + ": malformed YAML at line " + std::to_string(e.mark.line + 1) + ", column " +
                         std::to_string(e.mark.column + 1) + ": " + e.msg,
                     "InvalidKubeconfig");
  }
  return Kubeconfig(std::move(data));
}

common::Result<Kubeconfig> Kubeconfig::Load(const LoadOptions& options) {
  Getenv getenv = options.getenv ? options.getenv : SystemGetenv();
  std::vector<std::string> paths;
  bool explicit_path = false;
  if (!options.kubeconfig_path.empty()) {
    paths.push_back(options.kubeconfig_path);
    explicit_path = true;
  } else if (auto env = getenv("KUBECONFIG"); env && !env->empty()) {
    std::string_view rest = *env;
    while (!rest.empty()) {
      auto colon = rest.find(':');
      std::string one(rest.substr(0, colon));
      if (!one.empty() && std::find(paths.begin(), paths.end(), one) == paths.end()) paths.push_back(one);
      rest = colon == std::string_view::npos ? std::string_view() : rest.substr(colon + 1);
    }
  } else if (auto home = getenv("HOME"); home && !home->empty()) {
    paths.push_back(*home + "/.kube/config");
  }

  auto merged = std::make_shared<Data>();
  bool any_file = false;
  bool any_parsed = false;
  common::Error first_error;
  for (const auto& path : paths) {
    auto text = ReadFile(path);
    if (!text) {
      // A missing file among $KUBECONFIG's is skipped, as kubectl does; an explicit one is not.
      if (explicit_path) return text.error();
      if (text.error().code != ErrorCode::kNotFound) merged->problems.push_back(text.error().message);
      continue;
    }
    any_file = true;
    auto parsed = Parse(*text, path);
    if (!parsed) {
      if (!any_parsed && first_error.message.empty()) first_error = parsed.error();
      merged->problems.push_back(parsed.error().message);
      continue;
    }
    any_parsed = true;
    const Data& one = *parsed->data_;
    for (const auto& [name, entry] : one.clusters) merged->clusters.emplace(name, entry);
    for (const auto& [name, entry] : one.users) merged->users.emplace(name, entry);
    for (const auto& [name, entry] : one.contexts) merged->contexts.emplace(name, entry);
    if (merged->current_context.empty()) merged->current_context = one.current_context;
    merged->problems.insert(merged->problems.end(), one.problems.begin(), one.problems.end());
    merged->source += (merged->source.empty() ? "" : ":") + path;
  }
  if (!any_file) {
    std::string where = paths.empty() ? std::string("no KUBECONFIG and no HOME") : "none of " + [&] {
      std::string joined;
      for (const auto& p : paths) joined += (joined.empty() ? "" : ", ") + p;
      return joined;
    }() + " exists";
    return MakeError(ErrorCode::kNotFound, "no kubeconfig found: " + where, "KubeconfigNotFound");
  }
  if (!any_parsed) return first_error;
  return Kubeconfig(std::move(merged));
}

std::vector<std::string> Kubeconfig::ContextNames() const {
  std::vector<std::string> names;
  for (const auto& [name, entry] : data_->contexts) names.push_back(name);
  return names;
}

const std::string& Kubeconfig::current_context() const { return data_->current_context; }
const std::vector<std::string>& Kubeconfig::problems() const { return data_->problems; }
const std::string& Kubeconfig::source() const { return data_->source; }

common::Result<Config> Kubeconfig::Resolve(std::string_view requested) const {
  try {
    std::string context_name(requested.empty() ? std::string_view(data_->current_context) : requested);
    if (context_name.empty()) {
      return MakeError(ErrorCode::kNotFound,
                       data_->source + ": no current-context is set; choose one of the contexts with --context",
                       "ContextNotFound");
    }
    auto context_it = data_->contexts.find(context_name);
    if (context_it == data_->contexts.end()) {
      return MakeError(ErrorCode::kNotFound, data_->source + ": context \"" + context_name + "\" not found",
                       "ContextNotFound");
    }
    Fields context(context_it->second, "context \"" + context_name + "\"");
    auto cluster_name = context.String("cluster");
    if (!cluster_name) return cluster_name.error();
    if (cluster_name->empty()) return context.Fail("cluster", "missing");
    auto user_name = context.String("user");
    if (!user_name) return user_name.error();
    auto ns = context.String("namespace");
    if (!ns) return ns.error();

    auto cluster_it = data_->clusters.find(*cluster_name);
    if (cluster_it == data_->clusters.end()) {
      return context.Fail("cluster", "cluster \"" + *cluster_name + "\" is not defined");
    }
    Fields cluster(cluster_it->second, "cluster \"" + *cluster_name + "\"");

    Config config;
    config.context_name = context_name;
    config.cluster_name = *cluster_name;
    config.user_name = *user_name;
    config.source = data_->source;
    if (!ns->empty()) config.namespace_name = *ns;

    auto server = cluster.String("server");
    if (!server) return server.error();
    if (server->empty()) return cluster.Fail("server", "missing");
    if (!server->starts_with("https://") && !server->starts_with("http://")) {
      return cluster.Fail("server", "must be an http:// or https:// URL");
    }
    config.server = *server;
    while (config.server.size() > 8 && config.server.back() == '/') config.server.pop_back();
    auto ca = cluster.DataOrFile("certificate-authority");
    if (!ca) return ca.error();
    config.tls.ca_pem = *ca;
    auto insecure = cluster.Bool("insecure-skip-tls-verify");
    if (!insecure) return insecure.error();
    config.tls.insecure_skip_verify = *insecure;
    if (*insecure && !config.tls.ca_pem.empty()) {
      return cluster.Fail("insecure-skip-tls-verify", "cannot be combined with a certificate authority");
    }
    auto server_name = cluster.String("tls-server-name");
    if (!server_name) return server_name.error();
    config.tls.server_name = *server_name;
    auto proxy = cluster.String("proxy-url");
    if (!proxy) return proxy.error();
    if (!proxy->empty() && !proxy->starts_with("http://") && !proxy->starts_with("https://") &&
        !proxy->starts_with("socks5://")) {
      return cluster.Fail("proxy-url", "scheme must be http, https or socks5");
    }
    config.proxy_url = *proxy;

    if (user_name->empty()) return config;  // anonymous
    auto user_it = data_->users.find(*user_name);
    if (user_it == data_->users.end()) {
      return context.Fail("user", "user \"" + *user_name + "\" is not defined");
    }
    Fields user(user_it->second, "user \"" + *user_name + "\"");
    auto cert = user.DataOrFile("client-certificate");
    if (!cert) return cert.error();
    auto key = user.DataOrFile("client-key");
    if (!key) return key.error();
    if (cert->empty() != key->empty()) {
      return user.Fail(cert->empty() ? "client-certificate" : "client-key",
                       "missing (a client certificate and its key come together)");
    }
    config.tls.client_cert_pem = *cert;
    config.tls.client_key_pem = *key;

    auto token = user.String("token");
    if (!token) return token.error();
    auto token_file = user.String("tokenFile");
    if (!token_file) return token_file.error();
    auto username = user.String("username");
    if (!username) return username.error();
    auto password = user.String("password");
    if (!password) return password.error();
    YAML::Node exec = user.node().IsMap() ? user.node()["exec"] : YAML::Node();
    YAML::Node provider = user.node().IsMap() ? user.node()["auth-provider"] : YAML::Node();
    const bool has_bearer = !token->empty() || !token_file->empty();
    const bool has_basic = !username->empty() || !password->empty();
    if (has_bearer && has_basic) {
      return user.Fail("username", "a user may have a token or a username/password, not both");
    }
    if (exec && !exec.IsNull() && provider && !provider.IsNull()) {
      return user.Fail("exec", "a user may have an exec plugin or an auth-provider, not both");
    }
    if (!token->empty()) {
      config.credentials = StaticCredentials(Credential{.bearer_token = *token}, "token");
    } else if (!token_file->empty()) {
      std::string path = ResolvePath(user.file(), *token_file);
      if (auto text = ReadFile(path); !text) return user.Fail("tokenFile", text.error().message);
      config.credentials = TokenFileCredentials(path);
    } else if (has_basic) {
      if (username->empty()) return user.Fail("username", "missing (password given without a username)");
      config.credentials =
          StaticCredentials(Credential{.username = *username, .password = *password}, "basic");
    } else if (exec && !exec.IsNull()) {
      auto parsed = ParseExec(user, exec);
      if (!parsed) return parsed.error();
      ExecClusterInfo info{config.server, config.tls.server_name, config.tls.insecure_skip_verify,
                           config.tls.ca_pem, config.proxy_url};
      config.credentials = ExecCredentials(std::move(*parsed), std::move(info));
    } else if (provider && !provider.IsNull()) {
      if (!provider.IsMap() || !provider["name"] || !provider["name"].IsScalar()) {
        return user.Fail("auth-provider.name", "missing");
      }
      const std::string name = provider["name"].Scalar();
      if (name != "oidc") {
        return user.Fail("auth-provider.name", "\"" + name + "\" is not supported (only oidc; use an exec plugin)");
      }
      YAML::Node id_token = provider["config"] ? provider["config"]["id-token"] : YAML::Node();
      if (!id_token || !id_token.IsScalar() || id_token.Scalar().empty()) {
        return user.Fail("auth-provider.config.id-token", "missing (refreshing OIDC tokens is not supported)");
      }
      config.credentials = StaticCredentials(Credential{.bearer_token = id_token.Scalar()}, "oidc");
    }
    return config;
  } catch (const YAML::Exception& e) {
    return MakeError(ErrorCode::kInvalid, data_->source + ": " + e.msg, "InvalidKubeconfig");
  }
}

common::Result<Config> InClusterConfig(const std::string& dir, const Getenv& getenv) {
  auto host = getenv("KUBERNETES_SERVICE_HOST");
  auto port = getenv("KUBERNETES_SERVICE_PORT");
  const std::string token_path = dir + "/token";
  if (!host || host->empty() || !port || port->empty() || !std::filesystem::exists(token_path)) {
    return MakeError(ErrorCode::kNotFound,
                     "not running in a cluster (KUBERNETES_SERVICE_HOST/PORT unset or no " + token_path + ")",
                     "NotInCluster");
  }
  Config config;
  const bool plain = *port == "80" || *port == "8080" || *port == "8001";
  const std::string bracketed = host->find(':') != std::string::npos ? "[" + *host + "]" : *host;
  config.server = (plain ? "http://" : "https://") + bracketed + ":" + *port;
  if (auto ca = ReadFile(dir + "/ca.crt")) config.tls.ca_pem = *ca;
  if (auto ns = ReadFile(dir + "/namespace"); ns && !TrimSpace(*ns).empty()) config.namespace_name = TrimSpace(*ns);
  config.credentials = TokenFileCredentials(token_path);
  config.context_name = "inClusterContext";
  config.cluster_name = "inCluster";
  config.user_name = "inClusterUser";
  config.source = "in-cluster";
  return config;
}

common::Result<Config> LoadConfig(const LoadOptions& options) {
  Getenv getenv = options.getenv ? options.getenv : SystemGetenv();
  auto kubeconfig = Kubeconfig::Load(options);
  if (kubeconfig) return kubeconfig->Resolve(options.context);
  if (kubeconfig.error().code != ErrorCode::kNotFound || !options.kubeconfig_path.empty()) return kubeconfig.error();
  auto in_cluster = InClusterConfig(options.in_cluster_dir, getenv);
  if (in_cluster) return in_cluster;
  return MakeError(ErrorCode::kNotFound, kubeconfig.error().message + "; " + in_cluster.error().message,
                   "NoConfiguration");
}

}  // namespace airunway::kube
