// `airunway serve`: the REST API and the embedded web UI.
//
// Thread-safety: RunServe runs on the main thread; it owns the server and its threads.
#pragma once

#include <CLI/App.hpp>

#include <cstdint>
#include <string>

namespace airunway::cli {

struct ServeOptions {
  std::string port_flag;  // as given; empty when not given (then PORT, then 3001)
  std::string host = "127.0.0.1";
  std::string kubeconfig;
  std::string context;
  bool demo = false;
  std::string kubeconfig_out;  // --demo: where to write the simulated cluster's kubeconfig
  std::string demo_state;      // --demo: keep the simulated cluster's objects in this file
  std::string log_level_flag;  // empty when not given (then LOG_LEVEL, then info)
  std::string catalog;         // a model catalog file replacing the built-in one
};

// Adds the `serve` subcommand and its flags to `app`.
CLI::App* AddServeCommand(CLI::App& app, ServeOptions& options);

// Validates the options and the environment, then serves until SIGINT/SIGTERM.
// Returns the process exit code (0 after a clean shutdown, 2 for bad configuration).
int RunServe(const ServeOptions& options);

}  // namespace airunway::cli
