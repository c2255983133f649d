// SPDX-License-Identifier: Apache-2.0
/// Mail: an outbox written in the same storage transaction as the change that causes the mail, and
/// the messages WatchTower sends. Delivery (file or SMTP transport, retries with backoff) is the
/// job of mail::Deliverer (mail/deliverer.hpp), which reads the outbox after commit.
///
/// A queued message is stored sealed (crypto::Keyring, context `mail_outbox.message_sealed:<id>`)
/// because it can carry a token (invitation, password reset); the sealed body is erased once the
/// message is delivered or has failed for good. Nothing here logs a body.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "crypto/seal.hpp"
#include "storage/database.hpp"

namespace wt::mail {

struct Message {
    std::string kind;  // "invitation", "password_reset", "password_changed", "mfa_enabled", ...
    std::string to;    // one address
    std::string subject;
    std::string text;  // text/plain body
    std::string html;  // text/html body (escaped; no remote content)
};

/// Queues `message` inside `tx` (a write transaction). The mail leaves only if `tx` commits.
/// `org_id` may be empty (mails about the account, not an organization).
Status Enqueue(storage::Transaction& tx, const crypto::Keyring& keyring, std::string_view org_id,
               const Message& message, UnixMicros now);

// The messages. `public_url` is the console's external URL (Config::PublicUrl(), no trailing '/').
// Tokens travel only in the URL fragment (API.md): `<public_url>/accept-invitation#token=...`.
Message InvitationMail(std::string_view to, std::string_view public_url, std::string_view token,
                       std::string_view org_name, std::string_view inviter_name, std::string_view role,
                       UnixMicros expires_at);
Message PasswordResetMail(std::string_view to, std::string_view public_url, std::string_view token,
                          UnixMicros expires_at);
Message PasswordChangedMail(std::string_view to, std::string_view public_url, UnixMicros at, std::string_view ip);
Message MfaEnabledMail(std::string_view to, std::string_view public_url, UnixMicros at, std::string_view ip);
Message MfaDisabledMail(std::string_view to, std::string_view public_url, UnixMicros at, std::string_view ip);
Message BackupCodesRegeneratedMail(std::string_view to, std::string_view public_url, UnixMicros at,
                                   std::string_view ip);
Message NewSignInMail(std::string_view to, std::string_view public_url, UnixMicros at, std::string_view ip,
                      std::string_view user_agent);
/// A notification (notify/notifier.hpp): `paragraphs` are plain text (escaped for HTML here),
/// `link_url` a console link (empty: none).
Message NotificationMail(std::string_view to, std::string subject, std::vector<std::string> paragraphs,
                         std::string_view link_url);

}  // namespace wt::mail
