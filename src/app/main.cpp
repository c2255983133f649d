// SPDX-License-Identifier: Apache-2.0
// The `watchtower` command line: parses, loads the configuration, runs one command.
#include <CLI/CLI.hpp>
#include <sys/stat.h>
#include <iostream>

#include "app/commands.hpp"
#include "app/config.hpp"
#include "simulate/simulate.hpp"

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

    std::string listen, web_dir, tls_cert, tls_key;
    auto* serve = cli.add_subcommand("serve", "Serve the API and the console");
    serve->add_option("--listen", listen, "HOST:PORT (WATCHTOWER_LISTEN, default 127.0.0.1:8080)");
    serve->add_option("--web-dir", web_dir, "built console files (WATCHTOWER_WEB_DIR, default web/dist)");
    serve->add_option("--tls-cert", tls_cert, "PEM certificate chain: serve HTTPS, TLS 1.3 only (WATCHTOWER_TLS_CERT)");
    serve->add_option("--tls-key", tls_key, "PEM private key of --tls-cert (WATCHTOWER_TLS_KEY)");

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

    bool keys_json = false;
    auto* keys = cli.add_subcommand("keys", "Master key tools (sealed secrets)");
    keys->require_subcommand(1);
    auto* keys_generate = keys->add_subcommand("generate", "Print a new random master key (base64) for WATCHTOWER_MASTER_KEY");
    auto* keys_rotate = keys->add_subcommand(
        "rotate", "Re-seal every sealed value under a new master key (stop the server first)");
    keys_rotate->add_flag("--json", keys_json, "print the summary as JSON");
    auto* keys_status = keys->add_subcommand("status", "Key ids, and how many sealed values each key seals");
    keys_status->add_flag("--json", keys_json, "print the status as JSON");
    std::string secret_name;
    auto* secrets = cli.add_subcommand("secrets", "Server secrets, stored sealed in the database");
    secrets->require_subcommand(1);
    auto* secrets_set = secrets->add_subcommand("set", "Store a server secret read from stdin (e.g. smtp_password)");
    secrets_set->add_option("name", secret_name, "the secret's name: smtp_password")->required();

    // Values are taken as text and validated by wt_simulate, which words every error (docs/simulator.md).
    wt::simulate::SimulateArgs sim;
    auto* simulate =
        cli.add_subcommand("simulate", "Send synthetic transactions (with labelled suspicious patterns) to a server");
    simulate->add_option("--url", sim.url, "server base URL, http only (default http://127.0.0.1:8080)");
    simulate->add_option("--api-key", sim.api_key, "ingestion API key (wt_live_... or wt_test_...)")
        ->envname("WATCHTOWER_API_KEY");
    simulate->add_option("--rate", sim.rate, "transactions per second; 0 or max: as fast as possible (default 100)");
    simulate->add_option("--duration", sim.duration, "run time, e.g. 20s, 2m, 1h30m (default 30s unless --count)");
    simulate->add_option("--count", sim.count, "number of transactions to send");
    simulate->add_option("--concurrency", sim.concurrency, "keep-alive connections (default 8)");
    simulate->add_option("--batch", sim.batch, "N > 1: POST /transactions/batch with N items per request (default 1)");
    simulate->add_option("--seed", sim.seed, "seed of the traffic (default: random, printed in the summary)");
    simulate->add_option("--patterns", sim.patterns, "suspicious patterns: all, none, or a comma list (default all)");
    simulate->add_option("--pattern-rate", sim.pattern_rate, "fraction of transactions in patterns (default 0.02)");
    simulate->add_option("--start", sim.start, "RFC 3339 upper bound of occurred_at (default now); replays need it");
    simulate->add_option("--timeout", sim.timeout, "per-request timeout (default 10s)");
    simulate->add_option("--truth", sim.truth_file, "write the ground truth (JSON lines) to FILE");
    simulate->add_option("--results", sim.results_file, "write one JSON line per transaction sent to FILE");
    simulate->add_flag("--quiet", sim.quiet, "no progress lines on stderr");
    simulate->add_flag("--json", sim.json, "print the summary as JSON");

    try {
        cli.parse(argc, argv);
    } catch (const CLI::ParseError& e) {
        if (e.get_exit_code() == 0) return cli.exit(e);
        std::cerr << "watchtower: error: " << e.what() << " (see watchtower --help)\n";
        return 2;
    }

    // The simulator is an HTTP client: it needs no configuration, data directory or database.
    if (*simulate) return wt::simulate::RunSimulateCommand(sim);
    if (*keys_generate) return RunKeysGenerate();

    if (!config_file.empty()) overrides["config_file"] = config_file;
    if (!data_dir.empty()) overrides["data_dir"] = data_dir;
    if (!database.empty()) overrides["database"] = database;
    if (!listen.empty()) overrides["listen"] = listen;
    if (!web_dir.empty()) overrides["web_dir"] = web_dir;
    if (!tls_cert.empty()) overrides["tls.cert"] = tls_cert;
    if (!tls_key.empty()) overrides["tls.key"] = tls_key;
    auto config = LoadConfig(overrides);
    if (!config) return Fail(config.error());

    if (*serve) return RunServe(*config);
    if (*init) return RunInit(*config, init_args);
    if (*org_create) return RunOrgCreate(*config, org_args);
    if (*user_add) return RunUserAdd(*config, user_args);
    if (*migrate) return RunMigrate(*config);
    if (*audit_verify) return RunAuditVerify(*config);
    if (*config_cmd) return RunPrintConfig(*config);
    if (*keys_rotate) return RunKeysRotate(*config, keys_json);
    if (*keys_status) return RunKeysStatus(*config, keys_json);
    if (*secrets_set) return RunSecretsSet(*config, secret_name);
    return 2;
}
