// SPDX-License-Identifier: Apache-2.0
#include "mail/mime.hpp"

#include <fmt/format.h>

#include <ctime>

#include "crypto/crypto.hpp"

namespace wt::mail {

namespace {

constexpr std::size_t kMaxLine = 76;

bool HasLineBreakOrNul(std::string_view value) {
    return value.find_first_of(std::string_view("\r\n\0", 3)) != std::string_view::npos;
}

bool IsPrintableAscii(std::string_view value) {
    for (const char c : value) {
        if (c < 0x20 || c > 0x7e) return false;
    }
    return true;
}

Error HeaderError(std::string_view field, std::string message) {
    Error error = Error::Make(ErrorCode::kValidationFailed, "the mail cannot be rendered: bad " + std::string(field));
    error.fields.push_back({std::string(field), std::move(message), 0, 0});
    return error;
}

/// The From header: `Name <address>` with the name encoded when it is not ASCII.
Result<std::string> FromHeader(std::string_view mailbox) {
    if (HasLineBreakOrNul(mailbox)) return HeaderError("from", "must not contain a line break");
    const std::string_view address = AddressOf(mailbox);
    if (!IsBareAddress(address)) return HeaderError("from", "must be `Name <address>` or an address");
    const auto open = mailbox.find('<');
    if (open == std::string_view::npos) return "From: " + std::string(address);
    std::string_view name = mailbox.substr(0, open);
    while (!name.empty() && name.back() == ' ') name.remove_suffix(1);
    if (name.empty()) return "From: <" + std::string(address) + ">";
    const std::string encoded_name = IsPrintableAscii(name) ? std::string(name) : EncodeHeaderText(name, 6);
    return "From: " + encoded_name + "\r\n <" + std::string(address) + ">";
}

}  // namespace

bool IsBareAddress(std::string_view address) {
    const auto at = address.find('@');
    if (address.size() > 320 || at == std::string_view::npos || at == 0 || at + 1 == address.size()) return false;
    for (const char c : address) {
        const auto byte = static_cast<unsigned char>(c);
        if (byte <= 0x20 || byte == 0x7f || c == ',' || c == '<' || c == '>' || c == ';' || c == '"') return false;
    }
    return true;
}

std::string_view AddressOf(std::string_view mailbox) {
    const auto open = mailbox.rfind('<');
    const auto close = mailbox.rfind('>');
    if (open == std::string_view::npos || close == std::string_view::npos || close < open) return mailbox;
    return mailbox.substr(open + 1, close - open - 1);
}

std::string Rfc5322Date(UnixMicros at) {
    static constexpr const char* kDays[] = {"Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"};
    static constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                              "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};
    const std::time_t seconds = static_cast<std::time_t>(at / kMicrosPerSecond);
    std::tm tm{};
    gmtime_r(&seconds, &tm);
    return fmt::format("{}, {:02} {} {} {:02}:{:02}:{:02} +0000", kDays[tm.tm_wday], tm.tm_mday, kMonths[tm.tm_mon],
                       tm.tm_year + 1900, tm.tm_hour, tm.tm_min, tm.tm_sec);
}

std::string QuotedPrintable(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    out.reserve(text.size() + text.size() / 8);
    std::size_t line_start = 0;
    while (line_start <= text.size()) {
        auto line_end = text.find('\n', line_start);
        if (line_end == std::string_view::npos) line_end = text.size();
        std::string_view line = text.substr(line_start, line_end - line_start);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);

        std::size_t column = 0;
        for (std::size_t pos = 0; pos < line.size(); ++pos) {
            const auto byte = static_cast<unsigned char>(line[pos]);
            const bool last = pos + 1 == line.size();
            const bool literal = (byte >= 33 && byte <= 126 && byte != '=' && !(pos == 0 && byte == '.')) ||
                                 ((byte == ' ' || byte == '\t') && !last);
            const std::size_t width = literal ? 1 : 3;
            // Keep room for the soft break's '=' unless this is the line's last token.
            if (column + width > (last ? kMaxLine : kMaxLine - 1)) {
                out += "=\r\n";
                column = 0;
            }
            if (literal) {
                out += static_cast<char>(byte);
            } else {
                out += '=';
                out += kHex[byte >> 4];
                out += kHex[byte & 0x0f];
            }
            column += width;
        }
        if (line_end == text.size()) break;
        out += "\r\n";
        line_start = line_end + 1;
    }
    if (out.size() < 2 || out.compare(out.size() - 2, 2, "\r\n") != 0) out += "\r\n";
    return out;
}

std::string EncodeHeaderText(std::string_view text, std::size_t header_name_length) {
    if (IsPrintableAscii(text) && header_name_length + text.size() <= kMaxLine) return std::string(text);
    constexpr std::size_t kWordOverhead = 12;  // =?UTF-8?B? ... ?=
    std::string out;
    std::size_t prefix = header_name_length;
    std::size_t pos = 0;
    while (pos < text.size()) {
        std::size_t bytes = (kMaxLine - prefix - kWordOverhead) / 4 * 3;
        if (pos + bytes < text.size()) {
            // Never end an encoded-word inside a UTF-8 sequence (RFC 2047 §5).
            while (bytes > 0 && (static_cast<unsigned char>(text[pos + bytes]) & 0xC0) == 0x80) --bytes;
        } else {
            bytes = text.size() - pos;
        }
        if (!out.empty()) out += "\r\n ";
        out += "=?UTF-8?B?" + crypto::Base64Encode(text.substr(pos, bytes)) + "?=";
        pos += bytes;
        prefix = 1;
    }
    return out;
}

Result<std::string> RenderRfc5322(const Message& message, const RenderOptions& options) {
    WT_ASSIGN_OR_RETURN(std::string from, FromHeader(options.from));
    if (HasLineBreakOrNul(message.to) || !IsBareAddress(message.to))
        return HeaderError("to", "must be one address without line breaks");
    if (HasLineBreakOrNul(message.subject)) return HeaderError("subject", "must not contain a line break");
    if (HasLineBreakOrNul(options.message_id) || !IsPrintableAscii(options.message_id))
        return HeaderError("message_id", "must be printable ASCII");

    const std::string_view from_address = AddressOf(options.from);
    const std::string domain(from_address.substr(from_address.find('@') + 1));
    // "=_" cannot occur in quoted-printable text, so the boundary never appears inside a part.
    const std::string boundary = "=_wt_" + crypto::HexEncode(crypto::RandomBytes(12));

    std::string out;
    out.reserve(message.text.size() + message.html.size() + 1024);
    out += "Date: " + Rfc5322Date(options.date) + "\r\n";
    out += from + "\r\n";
    out += "To: " + message.to + "\r\n";
    out += "Subject: " + EncodeHeaderText(message.subject, 9) + "\r\n";
    out += "Message-ID: <" + options.message_id + "@" + domain + ">\r\n";
    out += "MIME-Version: 1.0\r\n";
    out += "Auto-Submitted: auto-generated\r\n";
    out += "Content-Type: multipart/alternative;\r\n boundary=\"" + boundary + "\"\r\n";
    out += "\r\n";
    out += "This is a message in MIME format.\r\n";
    const std::pair<const char*, const std::string*> parts[] = {{"text/plain", &message.text},
                                                                {"text/html", &message.html}};
    for (const auto& [type, body] : parts) {
        out += "\r\n--" + boundary + "\r\n";
        out += std::string("Content-Type: ") + type + "; charset=utf-8\r\n";
        out += "Content-Transfer-Encoding: quoted-printable\r\n\r\n";
        out += QuotedPrintable(*body);
    }
    out += "\r\n--" + boundary + "--\r\n";
    return out;
}

}  // namespace wt::mail
