// SPDX-License-Identifier: Apache-2.0
#include "net/http_client.hpp"

#include <curl/curl.h>
#include <fmt/format.h>
#include <sys/socket.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <mutex>
#include <optional>

namespace wt::net {

namespace {

/// What the libcurl callbacks share with the call.
struct Exchange {
    const PinnedTarget* target = nullptr;
    std::size_t max_body = 0;
    std::string body;
    bool truncated = false;
    std::optional<std::string> refused_address;  // a connection the pin did not allow
    std::string connected_to;
};

/// libcurl's socket factory: the last line of defence against a connection to an address that
/// was not checked (a changed DNS answer, a resolve entry libcurl did not use).
curl_socket_t OpenSocket(void* self, curlsocktype purpose, curl_sockaddr* address) {
    auto& exchange = *static_cast<Exchange*>(self);
    const auto ip = IpAddrFromSockaddr(&address->addr);
    const auto& pinned = exchange.target->addresses;
    if (purpose != CURLSOCKTYPE_IPCXN || !ip || std::find(pinned.begin(), pinned.end(), *ip) == pinned.end()) {
        exchange.refused_address = ip ? ip->ToString() : std::string("a non-IP address");
        return CURL_SOCKET_BAD;
    }
    exchange.connected_to = ip->ToString();
    return socket(address->family, address->socktype, address->protocol);
}

size_t KeepBody(char* data, size_t size, size_t count, void* self) {
    auto& exchange = *static_cast<Exchange*>(self);
    const size_t bytes = size * count;
    const size_t room = exchange.max_body - exchange.body.size();
    exchange.body.append(data, std::min(bytes, room));
    if (bytes > room) {
        exchange.truncated = true;
        return 0;  // stops the transfer: the rest is not read
    }
    return bytes;
}

bool SafeHeaderText(std::string_view text) {
    return std::none_of(text.begin(), text.end(), [](char c) { return c == '\r' || c == '\n' || c == '\0'; });
}

Error Unavailable(std::string detail) { return Error::Make(ErrorCode::kUnavailable, std::move(detail)); }

std::string AddressForUrl(const IpAddr& address) {
    return address.v4 ? address.ToString() : "[" + address.ToString() + "]";
}

}  // namespace

Result<OutboundResponse> Post(const OutboundPolicy& policy, const OutboundUrl& url, const OutboundRequest& request,
                              const std::vector<std::string>& allowed_domains, const HttpClientOptions& options) {
    WT_ASSIGN_OR_RETURN(const PinnedTarget target, policy.Resolve(url, allowed_domains, options.resolve_timeout));
    return PostPinned(url, target, request, options);
}

Result<OutboundResponse> PostPinned(const OutboundUrl& url, const PinnedTarget& target, const OutboundRequest& request,
                                    const HttpClientOptions& options) {
    if (target.addresses.empty()) return Error::Internal("PostPinned without a pinned address");
    for (const auto& [name, value] : request.headers) {
        if (name.empty() || !SafeHeaderText(name) || !SafeHeaderText(value) || name.find(':') != std::string::npos)
            return Error::Validation("headers",
                                     "header names and values may not contain CR, LF, NUL (or ':' in a name)");
    }
    if (!SafeHeaderText(request.content_type))
        return Error::Validation("headers", "the content type may not contain CR, LF or NUL");

    static std::once_flag curl_initialized;
    std::call_once(curl_initialized, [] { curl_global_init(CURL_GLOBAL_DEFAULT); });
    std::unique_ptr<CURL, decltype(&curl_easy_cleanup)> curl(curl_easy_init(), &curl_easy_cleanup);
    if (!curl) return Error::Internal("curl_easy_init failed");
    CURL* handle = curl.get();

    // A literal host goes to libcurl as the checked address, so libcurl's own reading of an odd
    // spelling cannot differ from ours; a name stays in the URL and is pinned by the resolve list.
    const bool literal = ParseIpLiteral(url.host).has_value();
    const std::string host = literal ? AddressForUrl(target.addresses.front()) : url.HostForUrl();
    const std::string address = fmt::format("{}://{}:{}{}", url.scheme, host, url.port, url.target);
    std::string pins;
    for (const auto& pinned : target.addresses) pins += (pins.empty() ? "" : ",") + AddressForUrl(pinned);
    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> resolve(nullptr, &curl_slist_free_all);
    if (!literal) resolve.reset(curl_slist_append(nullptr, fmt::format("{}:{}:{}", url.host, url.port, pins).c_str()));

    std::unique_ptr<curl_slist, decltype(&curl_slist_free_all)> headers(nullptr, &curl_slist_free_all);
    auto add_header = [&headers](const std::string& line) {
        headers.reset(curl_slist_append(headers.release(), line.c_str()));
    };
    add_header("Content-Type: " + request.content_type);
    add_header("Expect:");  // no 100-continue round trip
    for (const auto& [name, value] : request.headers) add_header(name + ": " + value);

    Exchange exchange;
    exchange.target = &target;
    exchange.max_body = options.max_response_bytes;
    char error_buffer[CURL_ERROR_SIZE] = {};
    curl_easy_setopt(handle, CURLOPT_URL, address.c_str());
    curl_easy_setopt(handle, CURLOPT_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
    curl_easy_setopt(handle, CURLOPT_FOLLOWLOCATION, 0L);
    curl_easy_setopt(handle, CURLOPT_PROXY, "");  // never an environment proxy
    curl_easy_setopt(handle, CURLOPT_NOSIGNAL, 1L);
    curl_easy_setopt(handle, CURLOPT_ERRORBUFFER, error_buffer);
    if (resolve) curl_easy_setopt(handle, CURLOPT_RESOLVE, resolve.get());
    curl_easy_setopt(handle, CURLOPT_OPENSOCKETFUNCTION, &OpenSocket);
    curl_easy_setopt(handle, CURLOPT_OPENSOCKETDATA, &exchange);
    curl_easy_setopt(handle, CURLOPT_WRITEFUNCTION, &KeepBody);
    curl_easy_setopt(handle, CURLOPT_WRITEDATA, &exchange);
    curl_easy_setopt(handle, CURLOPT_CONNECTTIMEOUT_MS, static_cast<long>(options.connect_timeout.count()));
    curl_easy_setopt(handle, CURLOPT_TIMEOUT_MS, static_cast<long>(options.total_timeout.count()));
    curl_easy_setopt(handle, CURLOPT_USERAGENT, options.user_agent.c_str());
    curl_easy_setopt(handle, CURLOPT_HTTPHEADER, headers.get());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDS, request.body.data());
    curl_easy_setopt(handle, CURLOPT_POSTFIELDSIZE_LARGE, static_cast<curl_off_t>(request.body.size()));

    const CURLcode rc = curl_easy_perform(handle);
    if (exchange.refused_address)
        return Error::Validation("url", fmt::format("'{}' led to a connection to {}, which was not checked; refused",
                                                    url.host, *exchange.refused_address));
    if (rc != CURLE_OK && !(rc == CURLE_WRITE_ERROR && exchange.truncated)) {
        const char* reason = error_buffer[0] != '\0' ? error_buffer : curl_easy_strerror(rc);
        if (rc == CURLE_OPERATION_TIMEDOUT)
            return Unavailable(fmt::format("the call to '{}' timed out: {}", url.host, reason));
        return Unavailable(fmt::format("the call to '{}' failed: {}", url.host, reason));
    }
    long status = 0;
    curl_easy_getinfo(handle, CURLINFO_RESPONSE_CODE, &status);
    if (status >= 300 && status < 400)
        return Error::Validation(
            "url",
            fmt::format("'{}' answered {}: redirects are not followed; configure the final URL", url.host, status));
    return OutboundResponse{static_cast<int>(status), std::move(exchange.body), exchange.truncated,
                            std::move(exchange.connected_to)};
}

}  // namespace wt::net
