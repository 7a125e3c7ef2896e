#include "tests/conformance/kubectl_runner.h"

#include <fcntl.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

extern char** environ;

namespace airunway::conformance {

namespace {

std::string ReadWholeFile(const std::string& path) {
  std::ifstream in(path);
  std::stringstream buffer;
  buffer << in.rdbuf();
  return buffer.str();
}

}  // namespace

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
  char out_template[] = "/tmp/airunway-kubectl-out-XXXXXX";
  char err_template[] = "/tmp/airunway-kubectl-err-XXXXXX";
  int out_fd = mkstemp(out_template);
  int err_fd = mkstemp(err_template);
  if (out_fd < 0 || err_fd < 0) {
    if (out_fd >= 0) close(out_fd);
    if (err_fd >= 0) close(err_fd);
    result.err = "cannot create capture files";
    return result;
  }

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_adddup2(&actions, out_fd, STDOUT_FILENO);
  posix_spawn_file_actions_adddup2(&actions, err_fd, STDERR_FILENO);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO,
                                   stdin_path.empty() ? "/dev/null" : stdin_path.c_str(), O_RDONLY, 0);
  // The test runner may block signals; kubectl must start with a clean mask.
  posix_spawnattr_t attributes;
  posix_spawnattr_init(&attributes);
  sigset_t empty;
  sigemptyset(&empty);
  posix_spawnattr_setsigmask(&attributes, &empty);
  posix_spawnattr_setflags(&attributes, POSIX_SPAWN_SETSIGMASK);

  std::vector<std::string> argv = Argv(args);
  std::vector<char*> pointers;
  for (auto& arg : argv) pointers.push_back(arg.data());
  pointers.push_back(nullptr);
  pid_t pid = -1;
  int spawned = posix_spawn(&pid, kKubectlPath, &actions, &attributes, pointers.data(), environ);
  posix_spawnattr_destroy(&attributes);
  posix_spawn_file_actions_destroy(&actions);
  close(out_fd);
  close(err_fd);

  if (spawned == 0) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (true) {
      int status = 0;
      pid_t done = waitpid(pid, &status, WNOHANG);
      if (done == pid) {
        result.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        break;
      }
      if (std::chrono::steady_clock::now() >= deadline) {
        kill(pid, SIGKILL);
        waitpid(pid, nullptr, 0);
        result.timed_out = true;
        break;
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
  }
  result.out = ReadWholeFile(out_template);
  result.err = ReadWholeFile(err_template);
  if (spawned != 0) result.err += "\ncannot start " + std::string(kKubectlPath);
  unlink(out_template);
  unlink(err_template);
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
