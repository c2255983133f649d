// SPDX-License-Identifier: Apache-2.0
#include "mail/mail.hpp"

#include <boost/json.hpp>
#include <initializer_list>
#include <utility>

#include "common/html.hpp"
#include "common/json.hpp"
#include "crypto/crypto.hpp"
#include "mail/detail/message_codec.hpp"
#include "mail/mime.hpp"

namespace wt::mail {

namespace detail {

std::string OutboxContext(std::string_view outbox_id) { return "mail_outbox.message_sealed:" + std::string(outbox_id); }

std::string SerializeMessage(const Message& message) {
    boost::json::object obj;
    obj["v"] = 1;
    obj["kind"] = message.kind;
    obj["to"] = message.to;
    obj["subject"] = message.subject;
    obj["text"] = message.text;
    obj["html"] = message.html;
    return boost::json::serialize(obj);
}

Result<Message> ParseMessage(std::string_view json) {
    boost::system::error_code ec;
    boost::json::value value = boost::json::parse(json, ec);
    const boost::json::object* obj = ec ? nullptr : value.if_object();
    if (obj == nullptr || !obj->contains("v") || obj->at("v") != 1) {
        return Error::Internal("queued mail is not a version-1 message");
    }
    Message message;
    std::pair<const char*, std::string*> fields[] = {{"kind", &message.kind},
                                                     {"to", &message.to},
                                                     {"subject", &message.subject},
                                                     {"text", &message.text},
                                                     {"html", &message.html}};
    for (auto& [name, target] : fields) {
        const boost::json::value* field = obj->if_contains(name);
        if (field == nullptr || !field->is_string()) {
            return Error::Internal(std::string("queued mail lacks field ") + name);
        }
        *target = std::string(field->as_string());
    }
    return message;
}

}  // namespace detail

namespace {

/// Text that comes from users or clients (names, User-Agent): valid UTF-8, bounded, and on one
/// line (a control character becomes a space) so it can sit in a subject or a sentence.
std::string OneLine(std::string_view text, std::size_t max_bytes = 200) {
    std::string out = SanitizeUtf8(text, max_bytes);
    for (char& c : out) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte < 0x20 || byte == 0x7f) c = ' ';
    }
    return out;
}

/// `2026-11-23 10:00 UTC`.
std::string HumanTime(UnixMicros at) {
    std::string t = FormatRfc3339(at);  // 2026-11-23T10:00:00Z
    return t.substr(0, 10) + " " + t.substr(11, 5) + " UTC";
}

/// One message in the shape every WatchTower mail has: a greeting line, a few paragraphs, an
/// optional call-to-action link, a closing note. Rendered once to text and once to escaped HTML,
/// so both bodies always say the same thing.
struct Body {
    std::vector<std::string> paragraphs;  // plain text (escaped for HTML here)
    std::string link_label;               // empty: no link
    std::string link_url;
    std::string footer;
};

Message Render(std::string_view kind, std::string_view to, std::string subject, const Body& body) {
    Message message;
    message.kind = std::string(kind);
    message.to = std::string(to);
    message.subject = OneLine(subject, 250);

    std::string text = "Hello,\n\n";
    std::string html = "<!DOCTYPE html>\n<html><head><meta charset=\"utf-8\"><title>" + HtmlEscape(message.subject) +
                       "</title></head>\n<body style=\"font-family:sans-serif;line-height:1.5\">\n<p>Hello,</p>\n";
    for (const auto& paragraph : body.paragraphs) {
        text += paragraph + "\n\n";
        html += "<p>" + HtmlEscape(paragraph) + "</p>\n";
    }
    if (!body.link_url.empty()) {
        text += body.link_label + ":\n" + body.link_url + "\n\n";
        html += "<p><a href=\"" + HtmlEscape(body.link_url) + "\">" + HtmlEscape(body.link_label) + "</a></p>\n";
    }
    if (!body.footer.empty()) {
        text += body.footer + "\n\n";
        html += "<p style=\"color:#666\">" + HtmlEscape(body.footer) + "</p>\n";
    }
    text += "-- \nWatchTower\n";
    html += "<p>&mdash; WatchTower</p>\n</body></html>\n";
    message.text = std::move(text);
    message.html = std::move(html);
    return message;
}

constexpr std::string_view kNotYou =
    "If this was not you, sign in and change your password now, and tell your administrator.";

/// The notices sent when something about the account changed (SECURITY.md: the user is told by
/// mail whenever a factor or the password changes).
Message AccountNotice(std::string_view kind, std::string_view to, std::string_view public_url, std::string subject,
                      std::string_view what_happened, UnixMicros at, std::string_view ip,
                      std::initializer_list<std::string> extra) {
    Body body;
    body.paragraphs.push_back(std::string(what_happened) + " on " + HumanTime(at) + " from the address " +
                              OneLine(ip, 64) + ".");
    body.paragraphs.insert(body.paragraphs.end(), extra.begin(), extra.end());
    body.paragraphs.emplace_back(kNotYou);
    body.link_label = "Sign in to WatchTower";
    body.link_url = std::string(public_url) + "/login";
    body.footer = "You receive this mail because it concerns the security of your account.";
    return Render(kind, to, std::move(subject), body);
}

}  // namespace

Status Enqueue(storage::Transaction& tx, const crypto::Keyring& keyring, std::string_view org_id,
               const Message& message, UnixMicros now) {
    if (!IsBareAddress(message.to)) {
        Error error = Error::Make(ErrorCode::kValidationFailed, "the mail recipient is not a valid address");
        error.fields.push_back({"to", "must be one address such as name@example.com", 0, 0});
        return error;
    }
    const std::string id = crypto::NewId("mail");
    const std::string sealed = keyring.Seal(detail::SerializeMessage(message), detail::OutboxContext(id));
    auto inserted = tx.Exec(
        "INSERT INTO mail_outbox (id, org_id, kind, recipient, message_sealed, created_at, attempts, "
        "next_attempt_at) VALUES ($1, $2, $3, $4, $5, $6, 0, $6)",
        {storage::Text(id), org_id.empty() ? storage::Null() : storage::Text(std::string(org_id)),
         storage::Text(message.kind), storage::Text(message.to), storage::Text(sealed), storage::Int(now)});
    if (!inserted) return std::move(inserted).error();
    return Ok();
}

Message InvitationMail(std::string_view to, std::string_view public_url, std::string_view token,
                       std::string_view org_name, std::string_view inviter_name, std::string_view role,
                       UnixMicros expires_at) {
    const std::string org = OneLine(org_name);
    Body body;
    body.paragraphs.push_back(OneLine(inviter_name) + " invited you to join the organization " + org +
                              " on WatchTower as " + OneLine(role, 32) + ".");
    body.paragraphs.push_back("The invitation is valid until " + HumanTime(expires_at) +
                              " and can be used once. Open the link below to accept it and set up your account.");
    body.link_label = "Accept the invitation";
    body.link_url = std::string(public_url) + "/accept-invitation#token=" + std::string(token);
    body.footer = "If you did not expect this invitation, ignore this mail: nothing happens unless you accept it.";
    return Render("invitation", to, "You are invited to " + org + " on WatchTower", body);
}

Message PasswordResetMail(std::string_view to, std::string_view public_url, std::string_view token,
                          UnixMicros expires_at) {
    Body body;
    body.paragraphs.emplace_back("Someone asked to reset the password of your WatchTower account.");
    body.paragraphs.push_back("The link below is valid until " + HumanTime(expires_at) +
                              " and can be used once. Using it signs you out everywhere.");
    body.link_label = "Choose a new password";
    body.link_url = std::string(public_url) + "/reset-password#token=" + std::string(token);
    body.footer = "If you did not ask for this, ignore this mail: your password stays as it is.";
    return Render("password_reset", to, "Reset your WatchTower password", body);
}

Message PasswordChangedMail(std::string_view to, std::string_view public_url, UnixMicros at, std::string_view ip) {
    return AccountNotice("password_changed", to, public_url, "Your WatchTower password was changed",
                         "The password of your WatchTower account was changed", at, ip, {});
}

Message MfaEnabledMail(std::string_view to, std::string_view public_url, UnixMicros at, std::string_view ip) {
    return AccountNotice("mfa_enabled", to, public_url, "Two-factor authentication is now on",
                         "Two-factor authentication was turned on for your WatchTower account", at, ip,
                         {"From now on, signing in asks for a code from your authenticator app."});
}

Message MfaDisabledMail(std::string_view to, std::string_view public_url, UnixMicros at, std::string_view ip) {
    return AccountNotice("mfa_disabled", to, public_url, "Two-factor authentication was turned off",
                         "Two-factor authentication was turned off for your WatchTower account", at, ip,
                         {"Signing in now needs only your password."});
}

Message BackupCodesRegeneratedMail(std::string_view to, std::string_view public_url, UnixMicros at,
                                   std::string_view ip) {
    return AccountNotice("backup_codes_regenerated", to, public_url, "New WatchTower backup codes",
                         "New backup codes were made for your WatchTower account", at, ip,
                         {"Your previous backup codes no longer work."});
}

Message NewSignInMail(std::string_view to, std::string_view public_url, UnixMicros at, std::string_view ip,
                      std::string_view user_agent) {
    return AccountNotice("new_sign_in", to, public_url, "New sign-in to WatchTower",
                         "Your WatchTower account was signed in to from a new address", at, ip,
                         {"Browser or client: " + OneLine(user_agent, 200) + "."});
}

Message NotificationMail(std::string_view to, std::string subject, std::vector<std::string> paragraphs,
                         std::string_view link_url) {
    Body body;
    body.paragraphs = std::move(paragraphs);
    if (!link_url.empty()) {
        body.link_label = "Open in WatchTower";
        body.link_url = std::string(link_url);
    }
    body.footer = "You receive this mail because of your WatchTower notification settings or an organization's "
                  "notification channel.";
    return Render("notification", to, std::move(subject), body);
}

}  // namespace wt::mail
