// SPDX-License-Identifier: Apache-2.0
/// How a queued mail::Message is stored in mail_outbox.message_sealed: JSON
/// `{"v":1,"kind","to","subject","text","html"}`, sealed under the context below. Internal to
/// mail/ (Enqueue writes it, the Deliverer reads it).
#pragma once

#include <string>
#include <string_view>

#include "common/result.hpp"
#include "mail/mail.hpp"

namespace wt::mail::detail {

/// The sealing context of one outbox row (`mail_outbox.message_sealed:<id>`).
std::string OutboxContext(std::string_view outbox_id);

std::string SerializeMessage(const Message& message);
/// kInternal when `json` is not a serialized message of a version this build knows.
Result<Message> ParseMessage(std::string_view json);

}  // namespace wt::mail::detail
