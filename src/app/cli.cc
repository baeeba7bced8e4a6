#include "app/cli.h"

#include <iostream>

#include <CLI/CLI.hpp>

#include "app/difficulty_command.h"
#include "app/model_command.h"
#include "app/privacy_command.h"
#include "app/serve.h"

namespace switchyard::app {

int run_cli(int argc, char** argv) {
  CLI::App app{"Switchyard: an OpenAI-compatible gateway for local, self-hosted and closed models",
               "switchyard"};
  app.set_version_flag("--version", "switchyard " SWITCHYARD_VERSION);
  app.require_subcommand(1);

  ServeOptions serve_options;
  auto* serve_command = app.add_subcommand("serve", "Run the gateway");
  serve_command->add_option("--config", serve_options.config_file, "TOML configuration file")
      ->check(CLI::ExistingFile);
  serve_command->add_option("--listen", serve_options.listen,
                            "HOST:PORT to listen on (overrides [server].listen)");
  serve_command->add_option("--port-file", serve_options.port_file,
                            "Write the bound port to this file once serving");
  serve_command->add_option("--log-level", serve_options.log_level,
                            "trace, debug, info, warn, error, critical or off");

  std::string config_file;
  auto* check_command =
      app.add_subcommand("check-config", "Validate a configuration file without serving");
  check_command->add_option("file", config_file, "TOML configuration file")->required();

  ModelInitOptions model_init_options;
  ModelLoraOptions model_lora_options;
  ModelTrainOptions model_train_options;
  ModelVocabOptions model_vocab_options;
  const ModelCommands model_commands = add_model_commands(
      app, model_init_options, model_lora_options, model_train_options, model_vocab_options);
  PrivacyOptions privacy_options;
  const PrivacyCommands privacy_commands = add_privacy_commands(app, privacy_options);

  // The router's classifiers, one --task each.
  std::string router_task;
  DifficultyOptions difficulty_options;
  auto* router = app.add_subcommand("router", "Train and evaluate the router's classifiers");
  router->require_subcommand(1);
  auto* router_train = router->add_subcommand("train", "Train a router classifier");
  auto* router_eval = router->add_subcommand("eval", "Evaluate a router classifier");
  for (CLI::App* command : {router_train, router_eval}) {
    command->add_option("--task", router_task, "difficulty")
        ->required()
        ->check(CLI::IsMember({"difficulty"}));
  }
  add_difficulty_flags(*router_train, *router_eval, difficulty_options);

  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& error) {
    return app.exit(error);
  }
  if (serve_command->parsed()) {
    return serve(serve_options);
  }
  if (model_commands.init->parsed()) {
    return model_init(model_init_options);
  }
  if (model_commands.lora->parsed()) {
    return model_lora(model_lora_options);
  }
  if (model_commands.train->parsed()) {
    return model_train(model_train_options);
  }
  if (model_commands.vocab->parsed()) {
    return model_vocab(model_vocab_options);
  }
  if (privacy_commands.train->parsed()) {
    return privacy_train(privacy_options);
  }
  if (privacy_commands.eval->parsed()) {
    return privacy_eval(privacy_options);
  }
  if (privacy_commands.scan->parsed()) {
    return privacy_scan(privacy_options);
  }
  if (router_train->parsed()) {
    return difficulty_train(difficulty_options);
  }
  if (router_eval->parsed()) {
    return difficulty_eval(difficulty_options);
  }
  return check_config(config_file);
}

}  // namespace switchyard::app
