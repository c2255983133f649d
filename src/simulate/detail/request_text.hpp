// SPDX-License-Identifier: Apache-2.0
/// Private to `simulate`: the bytes of one `POST /api/v1/transactions[/batch]` request, written
/// into a buffer the connection reuses, instead of a Beast `http::request` built and serialized per
/// request (Beast's serializer was a fifth of the simulator's instructions). The bytes are those
/// Beast wrote before: request line, Host, User-Agent, Authorization, Content-Type, Accept, then
/// Idempotency-Key on single requests, Content-Length, a blank line and the body
/// (DriverTest.RequestBytesAreThoseBeastWrote pins this).
/// Threading: pure functions.
#pragma once

#include <fmt/format.h>

#include <span>
#include <string>
#include <string_view>

#include "simulate/client.hpp"

namespace wt::simulate::detail {

/// The part of every request's head that never changes within a run, up to the last fixed header.
inline std::string RequestHead(std::string_view target, std::string_view host_header, std::string_view api_key) {
    return fmt::format(
        "POST {} HTTP/1.1\r\nHost: {}\r\nUser-Agent: watchtower-simulate\r\nAuthorization: Bearer {}\r\n"
        "Content-Type: application/json\r\nAccept: application/json\r\n",
        target, host_header, api_key);
}

/// Replaces `out` with one whole request carrying `items`: a single transaction (with its
/// Idempotency-Key) unless `batch`, else `{"transactions":[...]}` (batch items are keyed by their
/// external_id, API.md: no Idempotency-Key). REQUIRES: `items` is not empty.
inline void WriteRequest(std::string& out, std::string_view head, std::span<const Outgoing> items, bool batch) {
    static constexpr std::string_view kBatchOpen = "{\"transactions\":[";
    static constexpr std::string_view kBatchClose = "]}";
    std::size_t body_size = 0;
    if (batch) {
        body_size = kBatchOpen.size() + kBatchClose.size() + items.size() - 1;
        for (const auto& item : items) body_size += item.body.size();
    } else {
        body_size = items.front().body.size();
    }
    out.clear();
    out.reserve(head.size() + 128 + body_size);
    out += head;
    if (!batch) {
        out += "Idempotency-Key: ";
        out += items.front().idempotency_key;
        out += "\r\n";
    }
    fmt::format_to(std::back_inserter(out), "Content-Length: {}\r\n\r\n", body_size);
    if (!batch) {
        out += items.front().body;
        return;
    }
    out += kBatchOpen;
    for (std::size_t idx = 0; idx < items.size(); ++idx) {
        if (idx > 0) out += ',';
        out += items[idx].body;
    }
    out += kBatchClose;
}

}  // namespace wt::simulate::detail
