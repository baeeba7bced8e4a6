// The `switchyard` command line: serve, check-config, model init, --help, --version.
#pragma once

namespace switchyard::app {

// Runs the command line and returns the process exit code.
int run_cli(int argc, char** argv);

}  // namespace switchyard::app
