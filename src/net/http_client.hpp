// SPDX-License-Identifier: Apache-2.0
/// A minimal blocking HTTP(S) POST for outbound calls that connects only to the addresses the
/// SSRF guard checked (net/ssrf_guard.hpp).
///
/// The URL keeps its host name, so the Host header, TLS SNI and certificate verification use the
/// original name; libcurl is told the name's addresses (CURLOPT_RESOLVE), and an open-socket hook
/// refuses any connection to an address that is not one of the pinned ones, so no second DNS
/// answer can ever be used. An IP-literal host (in any spelling) is replaced by the canonical
/// text of the checked address. Proxies from the environment (`http_proxy` ...) are ignored.
/// Only http and https; redirects are never followed: a 3xx answer is an error on `url`
/// ("redirects are not followed") and the Location is not contacted. Timeouts are short (connect
/// 5 s, whole exchange 10 s by default) and at most `max_response_bytes` of the answer body are
/// kept (the transfer stops there).
///
/// Failures: refusals by the guard and redirects are Error::Validation on `url`; a name that
/// does not resolve, a connection refused or a timeout are ErrorCode::kUnavailable with a detail
/// naming the host; header names or values with CR, LF or NUL are Error::Validation on
/// `headers`. Any non-3xx status is returned as a response (the caller decides what 4xx/5xx
/// mean). Nothing here logs; request bodies and header values never appear in an error.
///
/// Threading: free functions, safe to call from several threads at once; each call blocks its
/// thread for at most resolve_timeout + total_timeout. Never call from an I/O thread.
#pragma once

#include <chrono>
#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "common/result.hpp"
#include "net/ssrf_guard.hpp"
#include "net/url.hpp"

namespace wt::net {

struct HttpClientOptions {
    std::chrono::milliseconds resolve_timeout{5000};
    std::chrono::milliseconds connect_timeout{5000};
    std::chrono::milliseconds total_timeout{10000};
    std::size_t max_response_bytes = 64 * 1024;
    std::string user_agent = "WatchTower";
};

struct OutboundRequest {
    std::string body;
    std::string content_type = "application/json";
    std::vector<std::pair<std::string, std::string>> headers;  // extra headers, e.g. a signature
};

struct OutboundResponse {
    int status = 0;
    std::string body;             // at most max_response_bytes
    bool body_truncated = false;  // the receiver sent more than that
    std::string connected_to;     // the pinned address the request went to
};

/// Resolve with `policy` (and the channel's `allowed_domains`), then PostPinned.
Result<OutboundResponse> Post(const OutboundPolicy& policy, const OutboundUrl& url, const OutboundRequest& request,
                              const std::vector<std::string>& allowed_domains = {},
                              const HttpClientOptions& options = {});

/// POSTs to `url`, connecting only to `target.addresses`.
// REQUIRES: target came from OutboundPolicy::Resolve(url, ...).
Result<OutboundResponse> PostPinned(const OutboundUrl& url, const PinnedTarget& target, const OutboundRequest& request,
                                    const HttpClientOptions& options = {});

}  // namespace wt::net
