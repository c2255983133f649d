// SPDX-License-Identifier: Apache-2.0
/// Queuing mail from a handler's transaction (mail/mail.hpp): the message leaves only if the
/// transaction commits; WakeMail tells the deliverer afterwards. Not for use outside src/api/.
#pragma once

#include "api/api.hpp"
#include "mail/mail.hpp"

namespace wt::api::detail {

/// mail::Enqueue with the server's keyring. kInternal when the server runs without one (a wiring
/// error: the change and its mail are then refused together).
inline Status QueueMail(const ApiContext& ctx, storage::Transaction& tx, std::string_view org_id,
                        const mail::Message& message, UnixMicros now) {
    if (ctx.keyring == nullptr) return Error::Internal("no keyring wired: mail cannot be queued");
    return mail::Enqueue(tx, *ctx.keyring, org_id, message, now);
}

/// After the commit of a transaction that queued mail.
inline void WakeMail(const ApiContext& ctx) {
    if (ctx.wake_mail) ctx.wake_mail();
}

}  // namespace wt::api::detail
