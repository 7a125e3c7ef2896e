// airunway: one binary, many subcommands. main only wires the subcommands together; each
// lives in its own file.
#include <CLI/CLI.hpp>

#include <iostream>
#include <string>
#include <string_view>
#include <vector>

#include "cli/controller.h"
#include "cli/serve.h"
#include "cli/sim.h"
#include "common/build_info.h"

namespace {

using airunway::cli::ServeOptions;

struct Pending {
  const char* name;
  const char* description;
  const char* issue;
};

// Subcommands that are part of the plan but not built yet: they say so and exit 2.
constexpr Pending kNotBuiltYet[] = {
    {"login", "Put a Kubernetes token into the browser and a local credentials file", "auth and login"},
    {"logout", "Remove the local credentials written by login", "auth and login"},
};

bool IsKnownSubcommand(std::string_view arg) {
  if (arg == "serve" || arg == "version" || arg == "sim" || arg == "controller") return true;
  for (const auto& pending : kNotBuiltYet) {
    if (arg == pending.name) return true;
  }
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"AI Runway: deploy and run large language models on Kubernetes", "airunway"};
  app.require_subcommand(0, 1);
  app.set_help_all_flag("--help-all", "Show help for every subcommand");

  ServeOptions serve_options;
  auto* serve = airunway::cli::AddServeCommand(app, serve_options);
  airunway::cli::SimOptions sim_options;
  auto* sim = airunway::cli::AddSimCommand(app, sim_options);
  airunway::cli::ControllerCommandOptions controller_options;
  auto* controller = airunway::cli::AddControllerCommand(app, controller_options);
  auto* version = app.add_subcommand("version", "Print the version and git commit");
  std::vector<CLI::App*> pending;
  for (const auto& entry : kNotBuiltYet) {
    auto* command = app.add_subcommand(entry.name, entry.description);
    command->allow_extras();
    pending.push_back(command);
  }

  // `serve` is the default: `airunway --port 8080` means `airunway serve --port 8080`.
  std::vector<std::string> args(argv + 1, argv + argc);
  bool wants_help = !args.empty() && (args[0] == "--help" || args[0] == "-h" || args[0] == "--help-all");
  if (!wants_help && (args.empty() || !IsKnownSubcommand(args[0]))) args.insert(args.begin(), "serve");
  std::reverse(args.begin(), args.end());  // CLI11 takes the arguments in reverse order

  try {
    app.parse(args);
  } catch (const CLI::CallForHelp& e) {
    return app.exit(e);
  } catch (const CLI::CallForAllHelp& e) {
    return app.exit(e);
  } catch (const CLI::ParseError& e) {
    std::cerr << "airunway: " << e.what() << "\nRun 'airunway --help' to see the commands and flags.\n";
    return 2;
  }

  if (version->parsed()) {
    const auto& info = airunway::common::GetBuildInfo();
    std::cout << "airunway " << info.version << " (commit " << info.git_commit << ", built "
              << info.build_time << ")\n";
    return 0;
  }
  for (std::size_t i = 0; i < pending.size(); ++i) {
    if (pending[i]->parsed()) {
      std::cerr << "airunway " << kNotBuiltYet[i].name << ": not built yet (planned in "
                << kNotBuiltYet[i].issue << ")\n";
      return 2;
    }
  }
  if (sim->parsed()) return airunway::cli::RunSim(sim_options);
  if (controller->parsed()) return airunway::cli::RunControllerCommand(controller_options);
  if (serve->parsed()) return airunway::cli::RunServe(serve_options);
  return 2;
}
