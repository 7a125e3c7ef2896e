#include "tests/conformance/kubectl_runner.h"

#include <signal.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace airunway::conformance {

bool KubectlAvailable() { return access(kKubectlPath, X_OK) == 0; }

std::string TestdataPath(const std::string& name) { return std::string(CONFORMANCE_TESTDATA) + "/" + name; }

std::string KubectlResult::Describe() const {
  std::string text = timed_out ? "kubectl timed out" : "kubectl exited " + std::to_string(exit_code);
  return text + "\n--- stdout:\n" + out + "\n--- stderr:\n" + err;
}

TempDir::TempDir() {
  char path_template[] = "/tmp/airunway-conformance-XXXXXX";
  if (mkdtemp(path_template) != nullptr) path_ = path_template;
}

TempDir::~TempDir() {
  if (path_.empty()) return;
  std::error_code ignored;
  std::filesystem::remove_all(path_, ignored);
}

std::string TempDir::Write(const std::string& name, const std::string& content) const {
  std::string full = path_ + "/" + name;
  std::ofstream out(full, std::ios::binary | std::ios::trunc);
  out << content;
  return full;
}

Kubectl::Kubectl(std::string kubeconfig_path, std::string cache_dir)
    : kubeconfig_(std::move(kubeconfig_path)), cache_dir_(std::move(cache_dir)) {}

std::vector<std::string> Kubectl::Argv(const std::vector<std::string>& args) const {
  std::vector<std::string> argv{kKubectlPath, "--kubeconfig", kubeconfig_, "--cache-dir", cache_dir_};
  argv.insert(argv.end(), args.begin(), args.end());
  return argv;
}

KubectlResult Kubectl::Run(const std::vector<std::string>& args, std::chrono::milliseconds timeout,
                           const std::string& stdin_path) const {
  KubectlResult result;
  testing::ChildProcess kubectl(Argv(args), {}, stdin_path);
  if (!kubectl.started()) {
    result.err = "cannot start " + std::string(kKubectlPath);
    return result;
  }
  if (auto code = kubectl.Wait(timeout)) {
    result.exit_code = *code;
  } else {
    kubectl.Signal(SIGKILL);
    kubectl.Wait(std::chrono::seconds(5));
    result.timed_out = true;
  }
  result.out = kubectl.Stdout();
  result.err = kubectl.Stderr();
  return result;
}

std::unique_ptr<testing::ChildProcess> Kubectl::Start(const std::vector<std::string>& args) const {
  return std::make_unique<testing::ChildProcess>(Argv(args));
}

void SleepBriefly() { std::this_thread::sleep_for(std::chrono::milliseconds(10)); }

std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

std::vector<std::string> Words(const std::string& line) {
  std::vector<std::string> words;
  std::istringstream in(line);
  for (std::string word; in >> word;) words.push_back(word);
  return words;
}

}  // namespace airunway::conformance
