// SPDX-License-Identifier: Apache-2.0
// Invitations, password reset and password change, black-box: tokens are read out of the mails
// the server writes under <data_dir>/mail/ (the file transport), never from a test hook.
#include <dirent.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <future>
#include <memory>
#include <regex>

#include "harness.hpp"

namespace wt::integration {
namespace {

namespace json = boost::json;

constexpr const char* kNewPassword = "a-brand-new-passphrase-42";

// ---------------------------------------------------------------------------------------------
// Mail files

// Quoted-printable (RFC 2045 §6.7) decoding: soft line breaks removed, =XX decoded.
std::string DecodeQuotedPrintable(const std::string& text) {
    std::string out;
    for (std::size_t char_idx = 0; char_idx < text.size(); ++char_idx) {
        char c = text[char_idx];
        if (c != '=') {
            out += c;
            continue;
        }
        if (text.compare(char_idx + 1, 2, "\r\n") == 0) {
            char_idx += 2;
        } else if (char_idx + 1 < text.size() && text[char_idx + 1] == '\n') {
            char_idx += 1;
        } else if (char_idx + 2 < text.size() && std::isxdigit(static_cast<unsigned char>(text[char_idx + 1])) &&
                   std::isxdigit(static_cast<unsigned char>(text[char_idx + 2]))) {
            out += static_cast<char>(std::stoi(text.substr(char_idx + 1, 2), nullptr, 16));
            char_idx += 2;
        } else {
            out += c;
        }
    }
    return out;
}

struct Mail {
    std::string file;
    std::string to;
    std::string subject;
    std::string body;  // the decoded text of every part
};

// One .eml: the To and Subject headers, and the decoded body.
Mail ParseMail(const std::string& file, const std::string& raw) {
    Mail mail{file, "", "", ""};
    auto header_end = raw.find("\r\n\r\n");
    std::string headers = raw.substr(0, header_end);
    std::smatch match;
    if (std::regex_search(headers, match, std::regex("(^|\r\n)To: *([^\r\n]*)"))) mail.to = match[2];
    if (std::regex_search(headers, match, std::regex("(^|\r\n)Subject: *([^\r\n]*)"))) mail.subject = match[2];
    mail.body = DecodeQuotedPrintable(header_end == std::string::npos ? raw : raw.substr(header_end));
    return mail;
}

// Every delivered mail of `server`, in file-name order (time, then outbox id).
std::vector<Mail> Mails(const Server& server) {
    std::string dir = server.data_dir() + "/mail";
    std::vector<std::string> names;
    if (DIR* d = ::opendir(dir.c_str())) {
        while (auto* entry = ::readdir(d)) {
            std::string name = entry->d_name;
            if (name.size() > 4 && name.substr(name.size() - 4) == ".eml" && name[0] != '.') names.push_back(name);
        }
        ::closedir(d);
    }
    std::sort(names.begin(), names.end());
    std::vector<Mail> out;
    for (const auto& name : names) out.push_back(ParseMail(name, ReadFile(dir + "/" + name)));
    return out;
}

std::vector<Mail> MailsTo(const Server& server, const std::string& to) {
    std::vector<Mail> out;
    for (auto& mail : Mails(server))
        if (mail.to.find(to) != std::string::npos) out.push_back(std::move(mail));
    return out;
}

// The token of the newest mail to `to` whose link is `<public_url>/<page>#token=`, waiting at most
// 10 s for a mail that was not there in `before` (a count of mails to `to`).
std::string AwaitToken(Server& server, const std::string& to, const std::string& page, std::size_t before) {
    std::string token;
    const std::regex link(server.BaseUrl() + "/" + page + "#token=([A-Za-z0-9_-]+)");
    PollUntil(
        [&] {
            auto mails = MailsTo(server, to);
            if (mails.size() <= before) return false;
            std::smatch match;
            if (!std::regex_search(mails.back().body, match, link)) return false;
            token = match[1];
            return true;
        },
        10s);
    EXPECT_FALSE(token.empty()) << "no " << page << " mail to " << to << " arrived";
    if (!token.empty()) server.RememberSecret(token);
    return token;
}

// ---------------------------------------------------------------------------------------------
// Requests

std::string Body(std::initializer_list<std::pair<std::string, std::string>> fields) {
    json::object object;
    for (const auto& [name, value] : fields) object[name] = value;
    return json::serialize(object);
}

// A field named in a validation problem.
bool NamesField(const HttpResponse& res, const std::string& field) {
    auto body = res.Json();
    if (!body.is_object() || !body.as_object().contains("errors")) return false;
    for (const auto& error : body.at("errors").as_array())
        if (error.at("field").as_string() == field) return true;
    return false;
}

// A server whose clock the tests move, whose limits do not get in the way of the functional tests
// (X-Forwarded-For believed from loopback, so that parallel requests come from many addresses).
std::unique_ptr<Server> StartServer(bool generous_limits) {
    ServerConfig config;
    config.clock_file = true;
    config.env["WATCHTOWER_TRUSTED_PROXIES"] = "127.0.0.1/32";
    // Written out either way: the harness may default them otherwise.
    config.env["WATCHTOWER_AUTH_ATTEMPTS_PER_IP_PER_MINUTE"] = generous_limits ? "100000" : "30";
    config.env["WATCHTOWER_AUTH_FAILURES_BEFORE_LOCK"] = generous_limits ? "1000" : "10";
    // Parallel uses of one token really overlap on the password pool (the default has 2 threads).
    config.env["WATCHTOWER_PASSWORD_THREADS"] = "8";
    auto server = std::make_unique<Server>(config);
    server->Start();
    return server;
}

// Stops and deletes a suite's server; no secret the tests used may be in its logs.
void StopServer(Server*& server) {
    std::unique_ptr<Server> owned(server);
    server = nullptr;
    if (!owned) return;
    EXPECT_EQ(owned->Stop(), 0);
    auto leaked = owned->LeakedSecrets();
    EXPECT_TRUE(leaked.empty()) << "secret in the logs: " << leaked.front();
}

class AccountTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { server_ = StartServer(true).release(); }
    static void TearDownTestSuite() {
        admin_.reset();
        StopServer(server_);
    }
    void SetUp() override {
        ASSERT_NE(server_, nullptr) << "the suite's server did not start";
        server_->SetClockOffset(0);
    }
    void TearDown() override {
        if (server_) server_->SetClockOffset(0);
    }

    Server& server() { return *server_; }
    // The Acme admin's session, signed in again only when it ended (a moved clock): each sign-in
    // of the admin spends a TOTP step, and only a few are in reach at a time.
    Session Admin() {
        if (!admin_ || server_->As(*admin_, "GET", "/api/v1/auth/me").status != 200)
            admin_ = server_->MustLogin(server_->admin_email);
        return *admin_;
    }

    // POST /orgs/invitations as `admin`; the token from the mail (empty on failure).
    std::string Invite(const Session& admin, const std::string& email, const std::string& role,
                       std::string* invitation_id = nullptr) {
        std::size_t before = MailsTo(server(), email).size();
        auto res = server_->As(admin, "POST", "/api/v1/orgs/invitations", Body({{"email", email}, {"role", role}}));
        EXPECT_EQ(res.status, 201) << res.body;
        if (res.status != 201) return "";
        if (invitation_id) *invitation_id = std::string(res.Json().at("id").as_string());
        std::string token = AwaitToken(server(), email, "accept-invitation", before);
        EXPECT_EQ(res.body.find(token), std::string::npos) << "the token must never be in an API answer";
        return token;
    }
    // POST /auth/password-reset/request; the token from the mail (empty when none came).
    std::string RequestReset(const std::string& email) {
        std::size_t before = MailsTo(server(), email).size();
        auto res = server_->Call("POST", "/api/v1/auth/password-reset/request", Body({{"email", email}}));
        EXPECT_EQ(res.status, 202) << res.body;
        return AwaitToken(server(), email, "reset-password", before);
    }
    HttpResponse Post(const std::string& route, const std::string& body, const HeaderList& headers = {}) {
        return server_->Call("POST", "/api/v1" + route, body, headers);
    }
    HttpResponse Accept(const std::string& token, const std::string& name, const std::string& password) {
        return Post("/auth/invitations/accept", Body({{"token", token}, {"name", name}, {"password", password}}));
    }
    HttpResponse Complete(const std::string& token, const std::string& new_password) {
        return Post("/auth/password-reset/complete", Body({{"token", token}, {"new_password", new_password}}));
    }
    // Every audit entry of `action` in the admin's organization, newest first.
    json::array Audit(const std::string& action) { return server_->AuditEntries(Admin(), action); }
    static void ExpectInvalidToken(const HttpResponse& res, const std::string& what) {
        EXPECT_EQ(res.status, 400) << what << ": " << res.body;
        EXPECT_EQ(res.Code(), "invalid_token") << what << ": " << res.body;
    }

    static Server* server_;
    static std::optional<Session> admin_;
};
Server* AccountTest::server_ = nullptr;
std::optional<Session> AccountTest::admin_;

// ---------------------------------------------------------------------------------------------
// Invitations

TEST_F(AccountTest, AnInvitationCreatesTheAccountAndTheMembershipOnce) {
    auto admin = Admin();
    std::string id;
    std::string token = Invite(admin, "New.Analyst@acme.test", "ANALYST", &id);
    ASSERT_FALSE(token.empty());
    EXPECT_EQ(token.size(), 43u) << "256 random bits, base64url";

    auto listed = server().As(admin, "GET", "/api/v1/orgs/invitations");
    ASSERT_EQ(listed.status, 200) << listed.body;
    auto listed_json = listed.Json();
    bool found = false;
    for (const auto& inv : listed_json.at("data").as_array()) {
        if (inv.at("id").as_string() != id) continue;
        found = true;
        EXPECT_EQ(inv.at("email").as_string(), "New.Analyst@acme.test");
        EXPECT_EQ(inv.at("role").as_string(), "ANALYST");
        EXPECT_EQ(inv.at("status").as_string(), "pending");
        EXPECT_EQ(inv.at("invited_by").as_string(), server().admin_id);
        EXPECT_FALSE(inv.as_object().contains("token"));
    }
    EXPECT_TRUE(found) << listed.body;
    EXPECT_EQ(listed.body.find(token), std::string::npos);

    auto verified = Post("/auth/invitations/verify", Body({{"token", token}}));
    ASSERT_EQ(verified.status, 200) << verified.body;
    EXPECT_EQ(verified.Json().at("email").as_string(), "New.Analyst@acme.test");
    EXPECT_EQ(verified.Json().at("role").as_string(), "ANALYST");
    EXPECT_EQ(verified.Json().at("organization").at("id").as_string(), server().acme_org_id);
    EXPECT_EQ(verified.Json().at("organization").at("name").as_string(), "Acme Bank");
    EXPECT_EQ(verified.Json().at("existing_user"), false);

    // A new account needs a name and a password under the policy; the token survives both refusals.
    auto nameless = Accept(token, "", kNewPassword);
    EXPECT_EQ(nameless.status, 422) << nameless.body;
    EXPECT_TRUE(NamesField(nameless, "name")) << nameless.body;
    auto weak = Accept(token, "New Analyst", "password1234");
    EXPECT_EQ(weak.status, 422) << weak.body;
    EXPECT_TRUE(NamesField(weak, "password")) << weak.body;

    server().RememberSecret(kNewPassword);
    auto accepted = Accept(token, "New Analyst", kNewPassword);
    ASSERT_EQ(accepted.status, 201) << accepted.body;
    EXPECT_EQ(accepted.Json().at("organization").at("id").as_string(), server().acme_org_id);
    EXPECT_EQ(accepted.Json().at("role").as_string(), "ANALYST");
    EXPECT_EQ(accepted.Json().at("email").as_string(), "New.Analyst@acme.test");
    EXPECT_TRUE(accepted.Headers("Set-Cookie").empty()) << "accepting does not sign in";

    // Spent: never again, not even verify; the invitee signs in normally.
    ExpectInvalidToken(Accept(token, "New Analyst", kNewPassword), "accepted twice");
    ExpectInvalidToken(Post("/auth/invitations/verify", Body({{"token", token}})), "verify after accept");
    auto session = server().MustLogin("new.analyst@acme.test", kNewPassword);
    auto me = server().As(session, "GET", "/api/v1/auth/me");
    ASSERT_EQ(me.status, 200) << me.body;
    EXPECT_EQ(me.Json().at("role").as_string(), "ANALYST");
    EXPECT_EQ(me.Json().at("user").at("name").as_string(), "New Analyst");

    auto pending = server().As(admin, "GET", "/api/v1/orgs/invitations");
    EXPECT_EQ(pending.body.find(id), std::string::npos) << "an accepted invitation is no longer pending";
    EXPECT_TRUE(HasAuditTarget(Audit("invitation.created"), "invitation:" + id));
    EXPECT_TRUE(HasAuditTarget(Audit("invitation.accepted"), "invitation:" + id));
    auto added = Audit("member.added");
    ASSERT_FALSE(added.empty());
    EXPECT_EQ(added[0].at("details").at("invitation_id").as_string(), id);
}

TEST_F(AccountTest, AnExistingAccountAcceptsWithItsOwnPasswordAndKeepsItsName) {
    auto admin = Admin();
    std::string token = Invite(admin, server().other_admin_email, "VIEWER");
    ASSERT_FALSE(token.empty());
    auto wrong = Accept(token, "Someone Else", "not-the-right-password-1");
    EXPECT_EQ(wrong.status, 401) << wrong.body;
    EXPECT_EQ(wrong.Code(), "invalid_credentials");
    auto verified = Post("/auth/invitations/verify", Body({{"token", token}}));
    EXPECT_EQ(verified.status, 200) << "a wrong password does not spend the token";
    EXPECT_EQ(verified.Json().at("existing_user"), true) << verified.body;

    auto accepted = Accept(token, "Someone Else", kPassword);
    ASSERT_EQ(accepted.status, 201) << accepted.body;
    EXPECT_EQ(accepted.Json().at("role").as_string(), "VIEWER");
    auto session = server().MustLogin(server().other_admin_email);
    std::set<std::string> orgs;
    for (const auto& m : session.body.at("memberships").as_array())
        orgs.emplace(m.at("organization").at("id").as_string());
    EXPECT_EQ(orgs, (std::set<std::string>{server().acme_org_id, server().other_org_id}));
    EXPECT_NE(session.body.at("user").at("name").as_string(), "Someone Else");
    // Undo, for the other tests: the other admin leaves Acme again.
    EXPECT_EQ(server().As(admin, "DELETE", "/api/v1/orgs/members/" + server().other_admin_id).status, 204);
}

TEST_F(AccountTest, InvitingAMemberIsAConflictAndBadFieldsAreNamed) {
    auto admin = Admin();
    auto member = server().As(admin, "POST", "/api/v1/orgs/invitations",
                              Body({{"email", "VIEWER@acme.test"}, {"role", "ADMIN"}}));
    EXPECT_EQ(member.status, 409) << member.body;
    EXPECT_EQ(member.Code(), "conflict");
    EXPECT_NE(member.Json().at("detail").as_string().find("already a member"), json::string::npos) << member.body;

    auto bad_email =
        server().As(admin, "POST", "/api/v1/orgs/invitations", Body({{"email", "not-an-email"}, {"role", "VIEWER"}}));
    EXPECT_EQ(bad_email.status, 422) << bad_email.body;
    EXPECT_TRUE(NamesField(bad_email, "email")) << bad_email.body;
    auto bad_role = server().As(admin, "POST", "/api/v1/orgs/invitations",
                                Body({{"email", "someone@acme.test"}, {"role", "OWNER"}}));
    EXPECT_EQ(bad_role.status, 422) << bad_role.body;
    EXPECT_TRUE(NamesField(bad_role, "role")) << bad_role.body;
    auto extra = server().As(admin, "POST", "/api/v1/orgs/invitations",
                             R"({"email": "someone@acme.test", "role": "VIEWER", "token": "mine"})");
    EXPECT_EQ(extra.status, 422) << extra.body;
    EXPECT_TRUE(NamesField(extra, "token")) << extra.body;
    auto no_token = Post("/auth/invitations/accept", R"({"password": "x"})");
    EXPECT_EQ(no_token.status, 422) << no_token.body;
    EXPECT_TRUE(NamesField(no_token, "token")) << no_token.body;
    auto no_email = Post("/auth/password-reset/request", "{}");
    EXPECT_EQ(no_email.status, 422) << no_email.body;
    EXPECT_TRUE(NamesField(no_email, "email")) << no_email.body;
    auto no_new_password = Post("/auth/password-reset/complete", Body({{"token", "x"}}));
    EXPECT_EQ(no_new_password.status, 422) << no_new_password.body;
    EXPECT_TRUE(NamesField(no_new_password, "new_password")) << no_new_password.body;
}

TEST_F(AccountTest, ANewInvitationReplacesThePendingOneAndRevokedOnesStopWorking) {
    auto admin = Admin();
    std::string first_id, second_id;
    std::string first = Invite(admin, "twice@acme.test", "VIEWER", &first_id);
    std::string second = Invite(admin, "twice@acme.test", "RISK_LEAD", &second_id);
    ASSERT_FALSE(first.empty());
    ASSERT_FALSE(second.empty());
    ExpectInvalidToken(Post("/auth/invitations/verify", Body({{"token", first}})), "replaced invitation");
    auto verified = Post("/auth/invitations/verify", Body({{"token", second}}));
    ASSERT_EQ(verified.status, 200) << verified.body;
    EXPECT_EQ(verified.Json().at("role").as_string(), "RISK_LEAD");

    EXPECT_EQ(server().As(admin, "DELETE", "/api/v1/orgs/invitations/" + first_id).status, 404)
        << "a replaced invitation is no longer pending";
    EXPECT_EQ(server().As(admin, "DELETE", "/api/v1/orgs/invitations/" + second_id).status, 204);
    ExpectInvalidToken(Post("/auth/invitations/verify", Body({{"token", second}})), "revoked invitation");
    ExpectInvalidToken(Accept(second, "Twice", kNewPassword), "revoked invitation");
    EXPECT_EQ(server().As(admin, "DELETE", "/api/v1/orgs/invitations/" + second_id).status, 404);
    EXPECT_TRUE(HasAuditTarget(Audit("invitation.revoked"), "invitation:" + second_id));

    // Another organization's admin cannot see or revoke Acme's invitations.
    std::string third_id;
    ASSERT_FALSE(Invite(admin, "third@acme.test", "VIEWER", &third_id).empty());
    auto foreign = server().MustLogin(server().other_admin_email);
    EXPECT_EQ(server().As(foreign, "GET", "/api/v1/orgs/invitations").body.find(third_id), std::string::npos);
    auto theirs = server().As(foreign, "DELETE", "/api/v1/orgs/invitations/" + third_id);
    EXPECT_EQ(theirs.status, 404) << theirs.body;
    EXPECT_EQ(theirs.Code(), "not_found");
    EXPECT_EQ(server().As(admin, "DELETE", "/api/v1/orgs/invitations/" + third_id).status, 204);
}

TEST_F(AccountTest, InvitationsArePaginatedNewestFirst) {
    auto admin = Admin();
    for (int invite_idx = 0; invite_idx < 3; ++invite_idx)
        ASSERT_FALSE(Invite(admin, "page" + std::to_string(invite_idx) + "@acme.test", "VIEWER").empty());
    std::vector<std::string> emails;
    std::string cursor;
    for (int page_idx = 0; page_idx < 10; ++page_idx) {
        auto res =
            server().As(admin, "GET", "/api/v1/orgs/invitations?limit=1" + (cursor.empty() ? "" : "&cursor=" + cursor));
        ASSERT_EQ(res.status, 200) << res.body;
        auto body = res.Json();
        ASSERT_LE(body.at("data").as_array().size(), 1u);
        for (const auto& inv : body.at("data").as_array()) emails.emplace_back(inv.at("email").as_string());
        if (body.at("next_cursor").is_null()) break;
        cursor = std::string(body.at("next_cursor").as_string());
    }
    auto page2 = std::find(emails.begin(), emails.end(), "page2@acme.test");
    auto page0 = std::find(emails.begin(), emails.end(), "page0@acme.test");
    ASSERT_NE(page2, emails.end());
    ASSERT_NE(page0, emails.end());
    EXPECT_LT(page2, page0) << "newest first";
    auto bad = server().As(admin, "GET", "/api/v1/orgs/invitations?cursor=bm9jb2xvbg");
    EXPECT_EQ(bad.status, 422) << bad.body;
}

// ---------------------------------------------------------------------------------------------
// Tokens: expired, spent, wrong purpose, wrong email, tampered

TEST_F(AccountTest, AnInvitationLivesSeventyTwoHours) {
    auto admin = Admin();
    std::string late = Invite(admin, "late@acme.test", "VIEWER");
    std::string in_time = Invite(admin, "in-time@acme.test", "VIEWER");
    ASSERT_FALSE(late.empty());
    ASSERT_FALSE(in_time.empty());
    server().SetClockOffset(72 * 3600 - 120);
    EXPECT_EQ(Post("/auth/invitations/verify", Body({{"token", in_time}})).status, 200) << "71 h 58 min is in time";
    server().RememberSecret(kNewPassword);
    EXPECT_EQ(Accept(in_time, "In Time", kNewPassword).status, 201);
    server().SetClockOffset(72 * 3600 + 60);
    ExpectInvalidToken(Post("/auth/invitations/verify", Body({{"token", late}})), "expired invitation");
    ExpectInvalidToken(Accept(late, "Late", kNewPassword), "expired invitation");
}

TEST_F(AccountTest, AResetTokenLivesThirtyMinutesAndTheNewestRevokesTheOlder) {
    auto user = server().AddUser(server().acme_org_id, "reset-life@acme.test", "VIEWER");
    ASSERT_FALSE(user.empty());
    std::string older = RequestReset("reset-life@acme.test");
    std::string newer = RequestReset("reset-life@acme.test");
    ASSERT_FALSE(older.empty());
    ASSERT_FALSE(newer.empty());
    ExpectInvalidToken(Post("/auth/password-reset/verify", Body({{"token", older}})), "older reset token");
    server().SetClockOffset(29 * 60);
    auto verified = Post("/auth/password-reset/verify", Body({{"token", newer}}));
    EXPECT_EQ(verified.status, 200) << verified.body;
    EXPECT_EQ(verified.Json().at("valid"), true);
    server().SetClockOffset(31 * 60);
    ExpectInvalidToken(Post("/auth/password-reset/verify", Body({{"token", newer}})), "expired reset token");
    ExpectInvalidToken(Complete(newer, kNewPassword), "expired reset token");
    server().SetClockOffset(0);
    EXPECT_TRUE(server().Login("reset-life@acme.test").has_value()) << "the password is unchanged";
}

TEST_F(AccountTest, TokensOfOnePurposeNeverWorkForTheOther) {
    auto admin = Admin();
    ASSERT_FALSE(server().AddUser(server().acme_org_id, "purpose@acme.test", "VIEWER").empty());
    std::string reset = RequestReset("purpose@acme.test");
    std::string invitation = Invite(admin, "purpose-invitee@acme.test", "VIEWER");
    ASSERT_FALSE(reset.empty());
    ASSERT_FALSE(invitation.empty());
    ExpectInvalidToken(Post("/auth/invitations/verify", Body({{"token", reset}})), "reset token as invitation");
    ExpectInvalidToken(Accept(reset, "Purpose", kNewPassword), "reset token as invitation");
    ExpectInvalidToken(Post("/auth/password-reset/verify", Body({{"token", invitation}})), "invitation as reset");
    ExpectInvalidToken(Complete(invitation, kNewPassword), "invitation as reset");
    // Both still work for their own purpose.
    EXPECT_EQ(Post("/auth/password-reset/verify", Body({{"token", reset}})).status, 200);
    EXPECT_EQ(Post("/auth/invitations/verify", Body({{"token", invitation}})).status, 200);
}

TEST_F(AccountTest, TamperedTokensAreRefused) {
    ASSERT_FALSE(server().AddUser(server().acme_org_id, "tamper@acme.test", "VIEWER").empty());
    std::string reset = RequestReset("tamper@acme.test");
    std::string invitation = Invite(Admin(), "tamper-invitee@acme.test", "VIEWER");
    ASSERT_FALSE(reset.empty());
    ASSERT_FALSE(invitation.empty());
    auto variants = [](const std::string& token) {
        std::string flipped = token;
        flipped[10] = flipped[10] == 'A' ? 'B' : 'A';
        return std::vector<std::string>{flipped, token.substr(0, 42), token + "A", token.substr(1) + "=", ""};
    };
    for (const auto& bad : variants(reset)) {
        auto verify = Post("/auth/password-reset/verify", Body({{"token", bad}}));
        EXPECT_TRUE(verify.status == 400 || verify.status == 422) << verify.body;
        if (!bad.empty()) ExpectInvalidToken(Complete(bad, kNewPassword), "tampered reset token");
    }
    for (const auto& bad : variants(invitation)) {
        if (bad.empty()) continue;
        ExpectInvalidToken(Post("/auth/invitations/verify", Body({{"token", bad}})), "tampered invitation");
        ExpectInvalidToken(Accept(bad, "Tamper", kNewPassword), "tampered invitation");
    }
    EXPECT_EQ(Post("/auth/password-reset/verify", Body({{"token", reset}})).status, 200);
    EXPECT_EQ(Post("/auth/invitations/verify", Body({{"token", invitation}})).status, 200);
}

// "Wrong email": an invitation is bound to its email. Once that email became a member another
// way (here: the CLI), the invitation is void: it would otherwise grant a second role.
TEST_F(AccountTest, AnInvitationWhoseEmailBecameAMemberAnotherWayIsVoid) {
    std::string token = Invite(Admin(), "joined-anyway@acme.test", "ADMIN");
    ASSERT_FALSE(token.empty());
    ASSERT_FALSE(server().AddUser(server().acme_org_id, "joined-anyway@acme.test", "VIEWER").empty());
    ExpectInvalidToken(Post("/auth/invitations/verify", Body({{"token", token}})), "email already a member");
    ExpectInvalidToken(Accept(token, "Joined", kPassword), "email already a member");
    auto session = server().MustLogin("joined-anyway@acme.test");
    EXPECT_EQ(session.body.at("role").as_string(), "VIEWER") << "the invitation's ADMIN role was not granted";
}

// "Wrong email" for a reset: the token belongs to the account it was sent for, not to whoever
// presents it: after completing, only that account's password changed.
TEST_F(AccountTest, AResetTokenChangesOnlyTheAccountItWasMailedFor) {
    ASSERT_FALSE(server().AddUser(server().acme_org_id, "owner@acme.test", "VIEWER").empty());
    ASSERT_FALSE(server().AddUser(server().acme_org_id, "bystander@acme.test", "VIEWER").empty());
    std::string token = RequestReset("owner@acme.test");
    ASSERT_FALSE(token.empty());
    EXPECT_TRUE(MailsTo(server(), "bystander@acme.test").empty());
    server().RememberSecret(kNewPassword);
    ASSERT_EQ(Complete(token, kNewPassword).status, 204);
    EXPECT_TRUE(server().Login("owner@acme.test", kNewPassword).has_value());
    EXPECT_FALSE(server().Login("bystander@acme.test", kNewPassword).has_value());
    EXPECT_TRUE(server().Login("bystander@acme.test").has_value());
}

// ---------------------------------------------------------------------------------------------
// Password reset and change

TEST_F(AccountTest, AResetEndsEverySessionAndSpendsTheToken) {
    std::string user_id = server().AddUser(server().acme_org_id, "forgot@acme.test", "ANALYST");
    auto first = server().MustLogin("forgot@acme.test");
    auto second = server().MustLogin("forgot@acme.test");
    std::string token = RequestReset("forgot@acme.test");
    ASSERT_FALSE(token.empty());
    auto mails = MailsTo(server(), "forgot@acme.test");
    ASSERT_FALSE(mails.empty());
    EXPECT_NE(mails.back().body.find(server().BaseUrl() + "/reset-password#token="), std::string::npos)
        << "the token travels in the URL fragment";

    auto weak = Complete(token, "forgot@acme.test");
    EXPECT_EQ(weak.status, 422) << weak.body;
    EXPECT_TRUE(NamesField(weak, "new_password")) << weak.body;
    EXPECT_EQ(server().As(first, "GET", "/api/v1/auth/me").status, 200) << "a refused reset changes nothing";

    std::size_t mails_before = mails.size();
    server().RememberSecret(kNewPassword);
    auto done = Complete(token, kNewPassword);
    ASSERT_EQ(done.status, 204) << done.body;
    EXPECT_EQ(server().As(first, "GET", "/api/v1/auth/me").status, 401);
    EXPECT_EQ(server().As(second, "GET", "/api/v1/auth/me").status, 401);
    EXPECT_FALSE(server().Login("forgot@acme.test").has_value()) << "the old password is gone";
    EXPECT_TRUE(server().Login("forgot@acme.test", kNewPassword).has_value());
    ExpectInvalidToken(Complete(token, "yet-another-passphrase-7"), "spent reset token");
    ExpectInvalidToken(Post("/auth/password-reset/verify", Body({{"token", token}})), "spent reset token");
    EXPECT_TRUE(PollUntil([&] { return MailsTo(server(), "forgot@acme.test").size() > mails_before; }, 10s))
        << "the user is told that the password changed";
    EXPECT_TRUE(HasAuditTarget(Audit("auth.password_reset.requested"), "user:" + user_id));
    EXPECT_TRUE(HasAuditTarget(Audit("auth.password_reset.completed"), "user:" + user_id));
}

TEST_F(AccountTest, ChangingThePasswordNeedsTheCurrentOneAndEndsTheOtherSessions) {
    std::string user_id = server().AddUser(server().acme_org_id, "changer@acme.test", "ANALYST");
    auto current = server().MustLogin("changer@acme.test");
    auto other = server().MustLogin("changer@acme.test");
    auto wrong = server().As(current, "POST", "/api/v1/auth/change-password",
                             Body({{"current_password", "not-my-password-123"}, {"new_password", kNewPassword}}));
    EXPECT_EQ(wrong.status, 401) << wrong.body;
    EXPECT_EQ(wrong.Code(), "invalid_credentials");
    auto weak = server().As(current, "POST", "/api/v1/auth/change-password",
                            Body({{"current_password", kPassword}, {"new_password", "changer@acme.test"}}));
    EXPECT_EQ(weak.status, 422) << weak.body;
    EXPECT_TRUE(NamesField(weak, "new_password")) << weak.body;
    auto no_csrf = server().As(current, "POST", "/api/v1/auth/change-password",
                               Body({{"current_password", kPassword}, {"new_password", kNewPassword}}), {}, false);
    EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
    EXPECT_EQ(server().As(other, "GET", "/api/v1/auth/me").status, 200) << "refused changes end nothing";

    std::size_t mails_before = MailsTo(server(), "changer@acme.test").size();
    server().RememberSecret(kNewPassword);
    auto changed = server().As(current, "POST", "/api/v1/auth/change-password",
                               Body({{"current_password", kPassword}, {"new_password", kNewPassword}}));
    ASSERT_EQ(changed.status, 204) << changed.body;
    EXPECT_EQ(server().As(current, "GET", "/api/v1/auth/me").status, 200) << "the current session stays";
    EXPECT_EQ(server().As(other, "GET", "/api/v1/auth/me").status, 401) << "the other sessions end";
    EXPECT_FALSE(server().Login("changer@acme.test").has_value());
    EXPECT_TRUE(server().Login("changer@acme.test", kNewPassword).has_value());
    EXPECT_TRUE(PollUntil([&] { return MailsTo(server(), "changer@acme.test").size() > mails_before; }, 10s))
        << "the user is told that the password changed";
    EXPECT_TRUE(HasAuditTarget(Audit("auth.password.changed"), "user:" + user_id));
    EXPECT_TRUE(HasAuditTarget(Audit("auth.password.change_failed"), "user:" + user_id));
}

// Enumeration: a known and an unknown email get the same status and body in similar time, and
// only the known one gets a mail.
TEST_F(AccountTest, AResetRequestNeverRevealsWhetherTheEmailExists) {
    ASSERT_FALSE(server().AddUser(server().acme_org_id, "known@acme.test", "VIEWER").empty());
    const std::string unknown = "nobody-here@acme.test";
    std::vector<double> known_ms, unknown_ms;
    std::set<std::string> bodies;
    for (int round = 0; round < 20; ++round) {
        for (const std::string& email : {std::string("known@acme.test"), unknown}) {
            auto start = std::chrono::steady_clock::now();
            auto res = Post("/auth/password-reset/request", Body({{"email", email}}));
            double ms = std::chrono::duration<double, std::milli>(std::chrono::steady_clock::now() - start).count();
            EXPECT_EQ(res.status, 202) << res.body;
            bodies.insert(res.body);
            (email == unknown ? unknown_ms : known_ms).push_back(ms);
        }
    }
    EXPECT_EQ(bodies.size(), 1u) << "the bodies differ";
    EXPECT_EQ(*bodies.begin(), "{}");
    auto median = [](std::vector<double> v) {
        std::sort(v.begin(), v.end());
        return v[v.size() / 2];
    };
    double known_median = median(known_ms), unknown_median = median(unknown_ms);
    EXPECT_LT(std::abs(known_median - unknown_median), 15.0)
        << "median " << known_median << " ms (known) vs " << unknown_median << " ms (unknown)";
    EXPECT_TRUE(PollUntil([&] { return MailsTo(server(), "known@acme.test").size() >= 20; }, 20s));
    std::this_thread::sleep_for(500ms);
    EXPECT_TRUE(MailsTo(server(), unknown).empty()) << "a mail went to an unknown address";
}

// Exactly one of 20 parallel uses of one token succeeds.
TEST_F(AccountTest, ATokenIsSpentOnceUnderParallelUse) {
    std::string invitation = Invite(Admin(), "racer@acme.test", "VIEWER");
    ASSERT_FALSE(server().AddUser(server().acme_org_id, "race-reset@acme.test", "VIEWER").empty());
    std::string reset = RequestReset("race-reset@acme.test");
    ASSERT_FALSE(invitation.empty());
    ASSERT_FALSE(reset.empty());
    server().RememberSecret(kNewPassword);
    auto race = [&](auto call) {
        std::vector<std::future<int>> calls;
        for (int call_idx = 0; call_idx < 20; ++call_idx)
            calls.push_back(std::async(std::launch::async, [&, call_idx] {
                // Each from its own address, so that no per-address share refuses it.
                return call(HeaderList{{"X-Forwarded-For", "198.51.100." + std::to_string(call_idx + 1)}}).status;
            }));
        std::map<int, int> statuses;
        for (auto& f : calls) ++statuses[f.get()];
        return statuses;
    };
    auto accepted = race([&](const HeaderList& headers) {
        return Post("/auth/invitations/accept",
                    Body({{"token", invitation}, {"name", "Racer"}, {"password", kNewPassword}}), headers);
    });
    EXPECT_EQ(accepted[201], 1) << "accepts: " << accepted[201] << " created, " << accepted[400] << " refused";
    EXPECT_EQ(accepted[201] + accepted[400], 20);
    auto completed = race([&](const HeaderList& headers) {
        return Post("/auth/password-reset/complete", Body({{"token", reset}, {"new_password", kNewPassword}}), headers);
    });
    EXPECT_EQ(completed[204], 1) << "completes: " << completed[204] << " done, " << completed[400] << " refused";
    EXPECT_EQ(completed[204] + completed[400], 20);
}

// ---------------------------------------------------------------------------------------------
// Limits and MFA, on a server with the default brute-force limits (30 attempts a minute per address)

class AccountLimitsTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { server_ = StartServer(false).release(); }
    static void TearDownTestSuite() { StopServer(server_); }
    void SetUp() override { ASSERT_NE(server_, nullptr) << "the suite's server did not start"; }
    // How many of `attempts` requests from `address` pass before the first 429 (-1: none refused).
    static int AttemptsBeforeLimited(const std::string& route, const std::string& body, const std::string& address,
                                     int attempts) {
        for (int attempt = 0; attempt < attempts; ++attempt) {
            auto res = server_->Call("POST", "/api/v1" + route, body, {{"X-Forwarded-For", address}});
            if (res.status == 429) {
                EXPECT_EQ(res.Code(), "rate_limited");
                EXPECT_TRUE(res.Header("Retry-After").has_value());
                return attempt;
            }
            EXPECT_EQ(res.status, 400) << res.body;
        }
        return -1;
    }
    static Server* server_;
};
Server* AccountLimitsTest::server_ = nullptr;

TEST_F(AccountLimitsTest, ResetCompletionAndInvitationAcceptanceAreRateLimitedPerAddress) {
    const std::string bogus(43, 'A');
    // 30 a minute: the bucket refills half an attempt a second while the test runs.
    int completes = AttemptsBeforeLimited("/auth/password-reset/complete",
                                          Body({{"token", bogus}, {"new_password", kNewPassword}}), "203.0.113.10", 40);
    EXPECT_GE(completes, 30);
    EXPECT_LE(completes, 32);
    int accepts =
        AttemptsBeforeLimited("/auth/invitations/accept",
                              Body({{"token", bogus}, {"name", "X"}, {"password", kNewPassword}}), "203.0.113.11", 40);
    EXPECT_GE(accepts, 30);
    EXPECT_LE(accepts, 32);
    // Another address is not affected.
    auto other = server_->Call("POST", "/api/v1/auth/invitations/accept",
                               Body({{"token", bogus}, {"name", "X"}, {"password", kNewPassword}}),
                               {{"X-Forwarded-For", "203.0.113.12"}});
    EXPECT_EQ(other.status, 400) << other.body;
}

TEST_F(AccountLimitsTest, ResetRequestsAreRateLimitedTheSameForKnownAndUnknownEmails) {
    int known = 0, unknown = 0;
    for (const auto& [email, address, count] : {std::tuple{server_->role_email.at("VIEWER"), "203.0.113.20", &known},
                                                std::tuple{std::string("ghost@acme.test"), "203.0.113.21", &unknown}}) {
        *count = -1;
        for (int attempt = 0; attempt < 40; ++attempt) {
            auto res = server_->Call("POST", "/api/v1/auth/password-reset/request", Body({{"email", email}}),
                                     {{"X-Forwarded-For", address}});
            if (res.status == 429) {
                *count = attempt;
                break;
            }
        }
    }
    EXPECT_GE(known, 30);
    EXPECT_LE(known, 32);
    EXPECT_GE(unknown, 30);
    EXPECT_LE(unknown, 32);
}

// Accepting for an existing account checks its password: wrong ones lock the account like wrong
// sign-ins (10 consecutive failures), from however many addresses they come.
TEST_F(AccountLimitsTest, WrongPasswordsOnAcceptLockTheExistingAccount) {
    ASSERT_FALSE(server_->AddUser(server_->other_org_id, "lock-me@other.test", "VIEWER").empty());
    auto admin = server_->MustLogin(server_->admin_email);
    std::size_t before = MailsTo(*server_, "lock-me@other.test").size();
    auto invited = server_->As(admin, "POST", "/api/v1/orgs/invitations",
                               Body({{"email", "lock-me@other.test"}, {"role", "VIEWER"}}));
    ASSERT_EQ(invited.status, 201) << invited.body;
    std::string token = AwaitToken(*server_, "lock-me@other.test", "accept-invitation", before);
    ASSERT_FALSE(token.empty());
    auto accept = [&](const std::string& password, int address) {
        return server_->Call("POST", "/api/v1/auth/invitations/accept",
                             Body({{"token", token}, {"name", "Lock"}, {"password", password}}),
                             {{"X-Forwarded-For", "198.51.100." + std::to_string(address)}});
    };
    for (int attempt = 0; attempt < 10; ++attempt) {
        auto wrong = accept("wrong-password-number-" + std::to_string(attempt), 100 + attempt);
        ASSERT_EQ(wrong.status, 401) << wrong.body;
    }
    auto locked = accept(kPassword, 120);
    EXPECT_EQ(locked.status, 429) << locked.body;
    EXPECT_EQ(locked.Code(), "rate_limited");
    auto sign_in =
        server_->Call("POST", "/api/v1/auth/login", Body({{"email", "lock-me@other.test"}, {"password", kPassword}}),
                      {{"X-Forwarded-For", "198.51.100.121"}});
    EXPECT_EQ(sign_in.status, 429) << "the same lock as sign-in: " << sign_in.body;
}

// Wrong current passwords on change-password count toward the account's lock too.
TEST_F(AccountLimitsTest, WrongCurrentPasswordsLockTheAccount) {
    ASSERT_FALSE(server_->AddUser(server_->acme_org_id, "guessed@acme.test", "ANALYST").empty());
    auto session = server_->MustLogin("guessed@acme.test");
    for (int attempt = 0; attempt < 10; ++attempt) {
        auto wrong = server_->As(
            session, "POST", "/api/v1/auth/change-password",
            Body({{"current_password", "guess-number-" + std::to_string(attempt)}, {"new_password", kNewPassword}}));
        ASSERT_EQ(wrong.status, 401) << wrong.body;
    }
    auto locked = server_->As(session, "POST", "/api/v1/auth/change-password",
                              Body({{"current_password", kPassword}, {"new_password", kNewPassword}}));
    EXPECT_EQ(locked.status, 429) << locked.body;
    EXPECT_TRUE(locked.Header("Retry-After").has_value());
}

// A reset never bypasses MFA: the next sign-in still asks for the second factor.
TEST_F(AccountLimitsTest, AResetLeavesMfaInPlace) {
    auto admin = server_->MustLogin(server_->admin_email);
    auto me = server_->As(admin, "GET", "/api/v1/auth/me");
    ASSERT_EQ(me.status, 200) << me.body;
    ASSERT_TRUE(me.Json().at("user").at("mfa_enabled").as_bool())
        << "the harness enrols seeded ADMINs in MFA; this test needs that";
    std::size_t before = MailsTo(*server_, server_->admin_email).size();
    auto requested = server_->Call("POST", "/api/v1/auth/password-reset/request",
                                   Body({{"email", server_->admin_email}}), {{"X-Forwarded-For", "203.0.113.30"}});
    ASSERT_EQ(requested.status, 202) << requested.body;
    std::string token = AwaitToken(*server_, server_->admin_email, "reset-password", before);
    ASSERT_FALSE(token.empty());
    server_->RememberSecret(kNewPassword);
    auto done =
        server_->Call("POST", "/api/v1/auth/password-reset/complete",
                      Body({{"token", token}, {"new_password", kNewPassword}}), {{"X-Forwarded-For", "203.0.113.30"}});
    ASSERT_EQ(done.status, 204) << done.body;
    EXPECT_EQ(server_->As(admin, "GET", "/api/v1/auth/me").status, 401) << "every session ended";
    auto login =
        server_->Call("POST", "/api/v1/auth/login", Body({{"email", server_->admin_email}, {"password", kNewPassword}}),
                      {{"X-Forwarded-For", "203.0.113.30"}});
    ASSERT_EQ(login.status, 200) << login.body;
    EXPECT_EQ(login.Json().at("mfa_required"), true) << login.body;
    EXPECT_TRUE(login.Headers("Set-Cookie").empty()) << "no session before the second factor";
    if (login.Json().as_object().contains("mfa_token"))
        server_->RememberSecret(std::string(login.Json().at("mfa_token").as_string()));
}

}  // namespace
}  // namespace wt::integration
