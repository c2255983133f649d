// SPDX-License-Identifier: Apache-2.0
#include "app/commands.hpp"

#include <fmt/format.h>
#include <sys/stat.h>

#include <boost/json.hpp>
#include <filesystem>
#include <fstream>
#include <iostream>
#include <sstream>

#include "audit/audit_log.hpp"
#include "auth/password.hpp"
#include "orgs/organizations.hpp"
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

}  // namespace wt::app
