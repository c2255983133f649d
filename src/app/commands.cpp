// SPDX-License-Identifier: Apache-2.0
#include "app/commands.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <iterator>
#include <sstream>

#include "app/master_key.hpp"
#include "audit/audit_log.hpp"
#include "auth/password.hpp"
#include "crypto/crypto.hpp"
#include "orgs/organizations.hpp"
#include "secrets/rotate.hpp"
#include "secrets/server_secrets.hpp"
#include "storage/database.hpp"

namespace wt::app {
namespace {

Status EnsureDataDir(const Config& config) {
    std::error_code ec;
    std::filesystem::create_directories(config.data_dir, ec);
    if (ec)
        return Error::Make(ErrorCode::kUnavailable,
                           fmt::format("cannot create data directory {}: {}", config.data_dir, ec.message()));
    ::chmod(config.data_dir.c_str(), 0700);
    return Ok();
}

Result<std::unique_ptr<storage::Database>> OpenStorage(const Config& config) {
    WT_RETURN_IF_ERROR(EnsureDataDir(config));
    storage::OpenOptions options;
    options.migrate = true;
    auto db = storage::Open(config.DatabaseUrl(), options);
    if (!db) {
        Error error = std::move(db).error();
        if (!error.internal.empty()) error.detail += " (" + error.internal + ")";
        return error;
    }
    return db;
}

// The password for a new account: from the file (one trailing newline stripped) or generated.
struct Password {
    std::string text;
    bool generated = false;
};

Result<Password> ObtainPassword(const std::string& file, const auth::PasswordContext& context) {
    if (file.empty()) return Password{auth::GeneratePassword(), true};
    std::ifstream in(file, std::ios::binary);
    if (!in) return Error::Make(ErrorCode::kValidationFailed, fmt::format("cannot read password file {}", file));
    std::stringstream buffer;
    buffer << in.rdbuf();
    std::string text = buffer.str();
    if (!text.empty() && text.back() == '\n') text.pop_back();
    if (!text.empty() && text.back() == '\r') text.pop_back();
    WT_RETURN_IF_ERROR(auth::CheckPasswordPolicy(text, context, "password"));
    return Password{text, false};
}

void PrintAccount(bool json, const std::string& heading, const orgs::Organization* org, const auth::User& user,
                  const std::string& role, bool created_user, const Password& password) {
    if (json) {
        boost::json::object out{{"user_id", user.id}, {"email", user.email}, {"role", role},
                                {"created_user", created_user}};
        if (org) out["organization_id"] = org->id;
        if (created_user && password.generated) out["password"] = password.text;
        std::cout << boost::json::serialize(out) << "\n";
        return;
    }
    std::cout << heading << "\n";
    if (org) std::cout << fmt::format("  Organization:  {} ({})\n", org->name, org->id);
    std::cout << fmt::format("  User:          {} ({}, {})\n", user.email, user.id, role);
    if (!created_user) {
        std::cout << "  The account already existed: its password is unchanged.\n";
    } else if (password.generated) {
        std::cout << fmt::format("  Password:      {}\n", password.text)
                  << "  This password is shown once: store it now (in a password manager).\n";
    }
}

int CreateOrg(const Config& config, const InitArgs& args, bool first) {
    auto db = OpenStorage(config);
    if (!db) return Fail(db.error());
    if (auto valid = auth::ValidateEmail(args.email); !valid) return Fail(valid.error());
    if (auto valid = orgs::ValidateOrganizationName(args.org_name, "org"); !valid) return Fail(valid.error());
    {
        auto tx = (*db)->Begin(storage::TxMode::kRead);
        if (!tx) return Fail(tx.error());
        auto count = orgs::CountOrganizations(**tx);
        if (!count) return Fail(count.error());
        if (first && *count > 0) {
            std::cerr << fmt::format(
                "watchtower: error: already initialised ({} organization(s) in {}); use `watchtower org create` to add "
                "another\n",
                *count, config.DatabaseUrl());
            return kExitAlreadyInitialised;
        }
    }
    auto password = ObtainPassword(args.password_file, {args.email, {args.org_name}});
    if (!password) return Fail(password.error());
    auto hash = auth::HashPassword(password->text);
    if (!hash) return Fail(hash.error());
    std::string name = args.name.empty() ? args.email.substr(0, args.email.find('@')) : args.name;
    auto tx = (*db)->Begin(storage::TxMode::kWrite);
    if (!tx) return Fail(tx.error());
    auto created = orgs::CreateOrganizationWithAdmin(**tx, args.org_name, args.email, name, *hash, SystemClock()->Now());
    if (!created) return Fail(created.error());
    if (auto committed = (*tx)->Commit(); !committed) return Fail(committed.error());
    PrintAccount(args.json, first ? "WatchTower is initialised." : "Organization created.", &created->org,
                 created->admin, "ADMIN", created->created_user, *password);
    (*db)->Close();
    return 0;
}

}  // namespace

int Fail(const Error& error) {
    std::string line = error.detail;
    if (!error.fields.empty()) {
        line.clear();
        for (const auto& field : error.fields) {
            if (!line.empty()) line += "; ";
            // Config errors already carry the option name in the message.
            line += field.message.rfind(field.field, 0) == 0 ? field.message : field.field + ": " + field.message;
        }
    }
    std::cerr << "watchtower: error: " << line << "\n";
    return 1;
}

int RunInit(const Config& config, const InitArgs& args) { return CreateOrg(config, args, true); }

int RunOrgCreate(const Config& config, const InitArgs& args) { return CreateOrg(config, args, false); }

int RunUserAdd(const Config& config, const UserAddArgs& args) {
    auto role = auth::ParseRole(args.role);
    if (!role) return Fail(Error::Validation("role", "must be one of ADMIN, RISK_LEAD, ANALYST, VIEWER"));
    if (auto valid = auth::ValidateEmail(args.email); !valid) return Fail(valid.error());
    auto db = OpenStorage(config);
    if (!db) return Fail(db.error());
    std::optional<auth::User> existing;
    std::string org_name;
    {
        auto tx = (*db)->Begin(storage::TxMode::kRead);
        if (!tx) return Fail(tx.error());
        auto org = orgs::FindOrganization(**tx, args.org_id);
        if (!org) return Fail(org.error());
        if (!*org) return Fail(Error::NotFound(fmt::format("no organization with id {}", args.org_id)));
        org_name = (*org)->name;
        auto user = auth::FindUserByEmail(**tx, args.email);
        if (!user) return Fail(user.error());
        existing = *user;
    }
    Password password;
    std::string hash;
    if (!existing) {
        auto obtained = ObtainPassword(args.password_file, {args.email, {org_name}});
        if (!obtained) return Fail(obtained.error());
        password = *obtained;
        auto hashed = auth::HashPassword(password.text);
        if (!hashed) return Fail(hashed.error());
        hash = *hashed;
    }
    std::string name = args.name.empty() ? args.email.substr(0, args.email.find('@')) : args.name;
    auto tx = (*db)->Begin(storage::TxMode::kWrite);
    if (!tx) return Fail(tx.error());
    orgs::ActorContext system{{audit::ActorType::kSystem, ""}, "", "watchtower-cli"};
    auto added = orgs::AddUser(**tx, args.org_id, args.email, name, *role, hash, system, SystemClock()->Now());
    if (!added) return Fail(added.error());
    if (auto committed = (*tx)->Commit(); !committed) return Fail(committed.error());
    PrintAccount(args.json, "User added.", nullptr, added->user, std::string(auth::RoleName(*role)),
                 added->created_user, password);
    (*db)->Close();
    return 0;
}

int RunMigrate(const Config& config) {
    if (auto dir = EnsureDataDir(config); !dir) return Fail(dir.error());
    storage::OpenOptions options;
    options.migrate = false;
    auto db = storage::Open(config.DatabaseUrl(), options);
    if (!db) return Fail(db.error());
    auto applied = (*db)->Migrate();
    if (!applied) return Fail(applied.error());
    auto version = (*db)->SchemaVersion();
    std::cout << fmt::format("{} migration(s) applied; schema version {}\n", *applied, version ? *version : -1);
    (*db)->Close();
    return 0;
}

int RunAuditVerify(const Config& config) {
    auto db = OpenStorage(config);
    if (!db) return Fail(db.error());
    auto report = audit::Verify(**db);
    if (!report) return Fail(report.error());
    for (const auto& problem : report->problems) std::cout << "TAMPERED " << problem << "\n";
    std::cout << fmt::format("audit log: {} organization(s), {} entries, {}\n", report->organizations, report->entries,
                             report->ok() ? "chain intact" : fmt::format("{} problem(s)", report->problems.size()));
    (*db)->Close();
    return report->ok() ? 0 : 1;
}

int RunPrintConfig(const Config& config) {
    std::cout << fmt::format("listen = \"{}\"\ndata_dir = \"{}\"\ndatabase = \"{}\"\nweb_dir = \"{}\"\nenvironment = \"{}\"\n",
                             config.listen, config.data_dir, config.DatabaseUrl(), config.web_dir, config.environment);
    std::cout << "\n# every option: TOML key | environment variable | flag | default | meaning\n";
    for (const auto& option : DescribeOptions())
        std::cout << fmt::format("# {} | {} | {} | {} | {}\n", option.name, option.env,
                                 option.flag.empty() ? "-" : option.flag, option.default_value, option.description);
    return 0;
}

namespace {

// The outcome of a rotation for the summary, whichever mode made it.
struct Rotation {
    secrets::RotationReport report;
    bool environment_mode = false;
    bool resumed = false;          // finished a rotation an earlier run had started
    std::string retired_key_file;  // embedded mode: where the old key is kept
};

void PrintRotation(const Rotation& rotation, bool json) {
    const secrets::RotationReport& report = rotation.report;
    if (json) {
        boost::json::object resealed;
        for (const auto& column : report.resealed) resealed[column.table + "." + column.column] = column.count;
        boost::json::object out{{"mode", rotation.environment_mode ? "environment" : "embedded"},
                                {"old_key_id", report.old_key_id},
                                {"new_key_id", report.new_key_id},
                                {"resumed", rotation.resumed},
                                {"resealed", resealed}};
        if (!rotation.retired_key_file.empty()) out["retired_key_file"] = rotation.retired_key_file;
        std::cout << boost::json::serialize(out) << "\n";
        return;
    }
    std::cout << fmt::format("Every sealed value is now sealed under the new master key{}.\n",
                             rotation.resumed ? " (an interrupted rotation was finished)" : "")
              << fmt::format("  old key id:  {}\n  new key id:  {}\n", report.old_key_id, report.new_key_id);
    for (const auto& column : report.resealed)
        std::cout << fmt::format("  {}.{}: {} re-sealed\n", column.table, column.column, column.count);
    if (!rotation.retired_key_file.empty())
        std::cout << fmt::format("The old key is kept in {}: it opens backups taken before this rotation.\n",
                                 rotation.retired_key_file);
    if (rotation.environment_mode)
        std::cout << "Next, before starting the server: set WATCHTOWER_MASTER_KEY to the value of "
                     "WATCHTOWER_NEW_MASTER_KEY, add the old WATCHTOWER_MASTER_KEY to WATCHTOWER_PREVIOUS_MASTER_KEYS "
                     "(it opens backups taken before this rotation), and unset WATCHTOWER_NEW_MASTER_KEY. Until then "
                     "the server cannot open the re-sealed values.\n";
}

Result<Rotation> RotateFromEnvironment(storage::Database& db, const MasterKeyring& keys) {
    const char* env = std::getenv("WATCHTOWER_NEW_MASTER_KEY");
    if (env == nullptr || *env == '\0')
        return Error::Make(ErrorCode::kValidationFailed,
                           "WATCHTOWER_NEW_MASTER_KEY is not set: with WATCHTOWER_MASTER_KEY in the environment, the "
                           "new key comes from there too (watchtower keys generate)");
    WT_ASSIGN_OR_RETURN(std::string new_key, DecodeKey(env, "WATCHTOWER_NEW_MASTER_KEY"));
    if (new_key == keys.current.bytes)
        return Error::Make(ErrorCode::kValidationFailed,
                           "WATCHTOWER_NEW_MASTER_KEY is the current master key: generate a new one");
    WT_ASSIGN_OR_RETURN(auto report, secrets::ResealAll(db, keys.Ring(), crypto::Keyring({new_key})));
    return Rotation{std::move(report), true, false, {}};
}

Result<Rotation> RotateEmbedded(const Config& config, storage::Database& db, const MasterKeyring& keys) {
    if (const char* env = std::getenv("WATCHTOWER_NEW_MASTER_KEY"); env != nullptr && *env != '\0')
        return Error::Make(
            ErrorCode::kValidationFailed,
            "WATCHTOWER_NEW_MASTER_KEY is for a master key from the environment (WATCHTOWER_MASTER_KEY); "
            "with master.key in the data directory, keys rotate generates the new key itself");
    WT_ASSIGN_OR_RETURN(PendingKey pending, PreparePendingKey(config));
    if (pending.bytes == keys.current.bytes)
        return Error::Make(ErrorCode::kValidationFailed,
                           fmt::format("{} holds the current master key: remove it and run keys rotate again",
                                       PendingKeyPath(config)));
    auto report = secrets::ResealAll(db, keys.Ring(), crypto::Keyring({pending.bytes}));
    if (!report) {
        // Nothing was committed: a key made by this run seals nothing and goes. A resumed key stays,
        // since values re-sealed by the earlier run may need it.
        if (!pending.resumed) ::unlink(PendingKeyPath(config).c_str());
        return std::move(report).error();
    }
    WT_RETURN_IF_ERROR(InstallPendingKey(config, keys.current.bytes));
    return Rotation{std::move(*report), false, pending.resumed,
                    RetiredKeyPath(config, crypto::Keyring::KeyId(keys.current.bytes))};
}

}  // namespace

int RunKeysGenerate() {
    std::cout << EncodeKey(crypto::RandomBytes(32)) << "\n";
    return 0;
}

int RunKeysRotate(const Config& config, bool json) {
    if (auto dir = EnsureDataDir(config); !dir) return Fail(dir.error());
    auto lock = LockDataDir(config, /*exclusive=*/true);
    if (!lock) return Fail(lock.error());
    auto keys = LoadMasterKeyring(config);
    if (!keys) return Fail(keys.error());
    auto db = OpenStorage(config);
    if (!db) return Fail(db.error());
    auto rotation = keys->environment_mode() ? RotateFromEnvironment(**db, *keys) : RotateEmbedded(config, **db, *keys);
    (*db)->Close();
    if (!rotation) {
        Error error = std::move(rotation).error();
        error.detail = "key rotation aborted, nothing changed: " + error.detail;
        return Fail(error);
    }
    PrintRotation(*rotation, json);
    return 0;
}

int RunKeysStatus(const Config& config, bool json) {
    auto db = OpenStorage(config);
    if (!db) return Fail(db.error());
    auto keys = LoadMasterKeyring(config);
    if (!keys) return Fail(keys.error());
    auto inventory = secrets::Inventory(**db, keys->Ring());
    (*db)->Close();
    if (!inventory) return Fail(inventory.error());
    std::vector<std::string> failures;
    for (const auto& column : *inventory)
        failures.insert(failures.end(), column.failures.begin(), column.failures.end());
    if (json) {
        boost::json::array previous;
        for (const auto& key : keys->previous) previous.emplace_back(crypto::Keyring::KeyId(key));
        boost::json::object columns;
        for (const auto& column : *inventory) {
            boost::json::object counts;
            for (const auto& [id, count] : column.count_by_key_id) counts[id] = count;
            columns[column.table + "." + column.column] = counts;
        }
        boost::json::array failed(failures.begin(), failures.end());
        std::cout << boost::json::serialize(
                         boost::json::object{{"mode", keys->environment_mode() ? "environment" : "embedded"},
                                             {"current_key_id", crypto::Keyring::KeyId(keys->current.bytes)},
                                             {"previous_key_ids", previous},
                                             {"rotation_pending", keys->rotation_pending},
                                             {"sealed", columns},
                                             {"failures", failed}})
                  << "\n";
    } else {
        std::cout << fmt::format("master key: {} ({})\n", crypto::Keyring::KeyId(keys->current.bytes),
                                 keys->environment_mode() ? "WATCHTOWER_MASTER_KEY" : keys->current.source);
        for (const auto& key : keys->previous)
            std::cout << fmt::format("previous key (opens only): {}\n", crypto::Keyring::KeyId(key));
        if (keys->rotation_pending)
            std::cout << fmt::format("an interrupted rotation left {}: run watchtower keys rotate to finish it\n",
                                     PendingKeyPath(config));
        for (const auto& column : *inventory) {
            std::cout << fmt::format("{}.{}:", column.table, column.column);
            if (column.count_by_key_id.empty()) std::cout << " none";
            for (const auto& [id, count] : column.count_by_key_id) std::cout << fmt::format(" {} under {};", count, id);
            std::cout << "\n";
        }
    }
    if (failures.empty()) return 0;
    for (const auto& failure : failures) std::cerr << "watchtower: does not open: " << failure << "\n";
    return Fail(Error::Make(ErrorCode::kInternal,
                            fmt::format("{} sealed value(s) do not open with the keyring", failures.size())));
}

int RunSecretsSet(const Config& config, const std::string& name) {
    if (!secrets::IsKnownServerSecret(name)) {
        std::string known;
        for (const auto known_name : secrets::kKnownServerSecrets)
            known += (known.empty() ? "" : ", ") + std::string(known_name);
        return Fail(Error::Validation("name", fmt::format("unknown secret {}; known: {}", name, known)));
    }
    // From stdin only: a value in argv would show in `ps` and in shell history.
    std::string value((std::istreambuf_iterator<char>(std::cin)), std::istreambuf_iterator<char>());
    if (!value.empty() && value.back() == '\n') value.pop_back();
    if (!value.empty() && value.back() == '\r') value.pop_back();
    if (value.empty()) return Fail(Error::Validation("value", "the secret is read from stdin and must not be empty"));
    auto db = OpenStorage(config);
    if (!db) return Fail(db.error());
    auto keys = LoadMasterKeyring(config);
    if (!keys) return Fail(keys.error());
    const crypto::Keyring ring = keys->Ring();
    auto tx = (*db)->Begin(storage::TxMode::kWrite);
    if (!tx) return Fail(tx.error());
    if (auto set = secrets::SetServerSecret(**tx, ring, name, value, SystemClock()->Now()); !set)
        return Fail(set.error());
    if (auto committed = (*tx)->Commit(); !committed) return Fail(committed.error());
    (*db)->Close();
    std::cout << fmt::format("{} stored, sealed under key {}\n", name, ring.current_id());
    return 0;
}

}  // namespace wt::app
