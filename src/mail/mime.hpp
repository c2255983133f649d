// SPDX-License-Identifier: Apache-2.0
/// Renders a mail::Message as one RFC 5322 + MIME message, the bytes that both transports deliver
/// (the file transport's `.eml`, the SMTP transport's DATA):
///
///   Date, From, To, Subject (RFC 2047 encoded-words when not ASCII), Message-ID, MIME-Version,
///   Auto-Submitted, then multipart/alternative with a text/plain and a text/html part, UTF-8,
///   quoted-printable. Lines end with CRLF and are at most 76 characters (headers are folded).
///
/// Header injection: a CR, LF or NUL in any header value (From, To, Subject), or a To that is not
/// one bare address, makes rendering fail; nothing is stripped silently. (The message builders in
/// mail.hpp already keep names on one line, so this only trips on a bug or a bad config.)
///
/// Stateless and thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "common/clock.hpp"
#include "common/result.hpp"
#include "mail/mail.hpp"

namespace wt::mail {

struct RenderOptions {
    std::string from;        // `Name <address>` or a bare address (Config::mail_from)
    UnixMicros date = 0;     // the Date header
    std::string message_id;  // left part of Message-ID; the domain of From is appended
};

/// kValidationFailed naming the header ("from", "to", "subject") when a value could inject a
/// header or is not an address.
Result<std::string> RenderRfc5322(const Message& message, const RenderOptions& options);

/// True when `address` is one bare address (`local@domain`): no blanks, controls, commas, `;`,
/// quotes or angle brackets, which could turn one recipient into several or one header into two.
bool IsBareAddress(std::string_view address);

/// The address inside `Name <address>`, or the whole text when it has no angle brackets.
std::string_view AddressOf(std::string_view mailbox);

/// RFC 5322 date: `Mon, 23 Nov 2026 21:22:00 +0000`.
std::string Rfc5322Date(UnixMicros at);

/// Quoted-printable (RFC 2045 §6.7) of UTF-8 text with `\n` or `\r\n` line ends: CRLF line ends,
/// encoded lines of at most 76 characters (soft breaks `=`), trailing blanks and a leading '.' encoded.
std::string QuotedPrintable(std::string_view text);

/// The value of an unstructured header (Subject): as is when printable ASCII, else RFC 2047
/// `=?UTF-8?B?...?=` encoded-words (never splitting a UTF-8 sequence) folded onto continuation lines.
/// `header_name_length` is the length of `Name: ` before it, for the first line's budget.
std::string EncodeHeaderText(std::string_view text, std::size_t header_name_length);

}  // namespace wt::mail
