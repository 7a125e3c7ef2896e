// `airunway controller`: the ModelDeployment controller as a process (see
// src/controller/controller_main.h), until SIGINT/SIGTERM.
//
// Thread-safety: RunControllerCommand runs on the main thread.
#pragma once

#include <CLI/App.hpp>

#include <string>

#include "controller/controller_main.h"

namespace airunway::cli {

struct ControllerCommandOptions {
  controller::ControllerOptions controller;
  std::string providers;  // comma-separated; empty = all
  std::string log_level = "info";
};

CLI::App* AddControllerCommand(CLI::App& app, ControllerCommandOptions& options);
int RunControllerCommand(ControllerCommandOptions& options);

}  // namespace airunway::cli
