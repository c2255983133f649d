// SPDX-License-Identifier: Apache-2.0
// The `watchtower` command line: parses, loads the configuration, runs one command.
#include <CLI/CLI.hpp>
#include <sys/stat.h>
#include <iostream>

#include "app/commands.hpp"
#include "app/config.hpp"

int main(int argc, char** argv) {
    using namespace wt::app;
    // Everything WatchTower creates (data dir, database, logs, keys) is private to its user.
    ::umask(077);
    CLI::App cli{"WatchTower: transaction monitoring (AML / fraud)", "watchtower"};
    cli.require_subcommand(1);
    cli.fallthrough();  // global options (--data-dir ...) may also follow the subcommand
    Overrides overrides;
    std::string config_file, data_dir, database;
    // Options every command reads (each also from its WATCHTOWER_* variable).
    cli.add_option("--config", config_file, "TOML configuration file (WATCHTOWER_CONFIG)");
    cli.add_option("--data-dir", data_dir, "data directory (WATCHTOWER_DATA_DIR, default ./data)");
    cli.add_option("--database", database, "storage URL (WATCHTOWER_DATABASE, default sqlite://<data-dir>/watchtower.db)");

    std::string listen, web_dir;
    auto* serve = cli.add_subcommand("serve", "Serve the API and the console");
    serve->add_option("--listen", listen, "HOST:PORT (WATCHTOWER_LISTEN, default 127.0.0.1:8080)");
    serve->add_option("--web-dir", web_dir, "built console files (WATCHTOWER_WEB_DIR, default web/dist)");

    InitArgs init_args;
    auto* init = cli.add_subcommand("init", "Create the first organization and its ADMIN");
    init->add_option("--org", init_args.org_name, "organization name")->required();
    init->add_option("--email", init_args.email, "the ADMIN's email")->required();
    init->add_option("--name", init_args.name, "the ADMIN's display name");
    init->add_option("--password-file", init_args.password_file,
                     "file holding the password (trailing newline ignored); without it one is generated and printed once");
    init->add_flag("--json", init_args.json, "print the result as JSON");

    InitArgs org_args;
    auto* org = cli.add_subcommand("org", "Manage organizations");
    org->require_subcommand(1);
    auto* org_create = org->add_subcommand("create", "Create another organization with its ADMIN");
    org_create->add_option("--name", org_args.org_name, "organization name")->required();
    org_create->add_option("--admin-email", org_args.email, "the ADMIN's email")->required();
    org_create->add_option("--admin-name", org_args.name, "the ADMIN's display name");
    org_create->add_option("--password-file", org_args.password_file, "file holding the ADMIN's password");
    org_create->add_flag("--json", org_args.json, "print the result as JSON");

    UserAddArgs user_args;
    auto* user = cli.add_subcommand("user", "Manage users");
    user->require_subcommand(1);
    auto* user_add = user->add_subcommand("add", "Add a user (new or existing account) to an organization");
    user_add->add_option("--org", user_args.org_id, "organization id as the API shows it (org_...)")->required();
    user_add->add_option("--email", user_args.email, "email")->required();
    user_add->add_option("--role", user_args.role, "ADMIN, RISK_LEAD, ANALYST or VIEWER")->required();
    user_add->add_option("--name", user_args.name, "display name");
    user_add->add_option("--password-file", user_args.password_file, "file holding the password");
    user_add->add_flag("--json", user_args.json, "print the result as JSON");

    auto* migrate = cli.add_subcommand("migrate", "Apply pending database migrations");
    auto* audit = cli.add_subcommand("audit", "Audit log tools");
    audit->require_subcommand(1);
    auto* audit_verify = audit->add_subcommand("verify", "Check every organization's hash chain");
    auto* config_cmd = cli.add_subcommand("config", "Print the effective configuration and every option");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return cli.exit(e);
        std::cerr << "watchtower: error: " << e.what() << " (see watchtower --help)\n";
        return 2;
    }

    if (!config_file.empty()) overrides["config_file"] = config_file;
    if (!data_dir.empty()) overrides["data_dir"] = data_dir;
    if (!database.empty()) overrides["database"] = database;
    if (!listen.empty()) overrides["listen"] = listen;
    if (!web_dir.empty()) overrides["web_dir"] = web_dir;
    auto config = LoadConfig(overrides);
    if (!config) return Fail(config.error());

    if (*serve) return RunServe(*config);
    if (*init) return RunInit(*config, init_args);
    if (*org_create) return RunOrgCreate(*config, org_args);
    if (*user_add) return RunUserAdd(*config, user_args);
    if (*migrate) return RunMigrate(*config);
    if (*audit_verify) return RunAuditVerify(*config);
    if (*config_cmd) return RunPrintConfig(*config);
    return 2;
}
