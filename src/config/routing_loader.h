// Reading the routing tables of the configuration: [router], [[tiers]] and [[routes]].
// Internal to the config folder.
#pragma once

#include "config/table_reader.h"

namespace switchyard::config {

// Reads the three tables from the root of the file.
void read_routing(TableReader& root, Config& config);

// Checks the routing tables against the models (run once every table is read): names unique,
// aliases apart from model names, every `to` a model or tier, classifiers present for the
// routes that need them. Expands each route's tiers into its models.
void check_routing(const toml::table& root, Config& config, Diagnostics& diagnostics);

}  // namespace switchyard::config
