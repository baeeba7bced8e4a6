#!/usr/bin/env bash
# Builds Switchyard if needed and starts the gateway. Arguments go to `switchyard serve`,
# e.g. scripts/serve.sh --config switchyard.toml --listen 0.0.0.0:8080
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh switchyard demo_model
exec build/src/switchyard serve "$@"
