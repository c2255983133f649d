// SPDX-License-Identifier: Apache-2.0
/// The request and response types handlers see. `Request` wraps a parsed Beast request with what
/// the server learnt about it (peer address, request id, matched route and path parameters).
/// Handlers build responses with the helpers below; the server adds the security headers,
/// `X-Request-Id` and `Cache-Control` to every response on its way out.
#pragma once

#include <boost/beast/http.hpp>
#include <boost/json.hpp>
#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "common/error.hpp"
#include "common/result.hpp"

namespace wt::http {

namespace beast_http = boost::beast::http;
using BeastRequest = beast_http::request<beast_http::string_body>;
using Response = beast_http::response<beast_http::string_body>;
using HttpStatus = beast_http::status;
using Method = beast_http::verb;

/// A response body produced piece by piece while it is sent (large CSV exports), so the server
/// never holds the whole body. Each call appends the next chunk to `chunk` (which arrives empty)
/// and returns true, or returns false once the body is complete. An error ends the response
/// abnormally: the connection is closed without the terminating chunk, so the client sees a
/// truncated body rather than a complete-looking one. Runs on the connection's I/O thread,
/// between writes: keep each call short (one page of a keyset query).
using BodyProducer = std::function<Result<bool>(std::string& chunk)>;

class Request {
  public:
    Request(BeastRequest& raw, std::string remote_ip, std::string request_id)
        : raw_(raw), remote_ip_(std::move(remote_ip)), request_id_(std::move(request_id)) {}

    Method method() const { return raw_.method(); }
    /// The path without the query string, as sent (not percent-decoded).
    std::string_view path() const;
    std::string_view query_string() const;
    const std::string& body() const { return raw_.body(); }
    const BeastRequest& raw() const { return raw_; }
    /// A header's value, or "" when absent.
    std::string_view header(std::string_view name) const;
    std::string_view header(beast_http::field name) const;
    /// A cookie's value from the Cookie header(s), or nullopt.
    std::optional<std::string> cookie(std::string_view name) const;
    /// A percent-decoded query parameter (the first one with that name), or nullopt.
    std::optional<std::string> query(std::string_view name) const;
    /// A percent-decoded path parameter of the matched route template (`{user_id}`), or "".
    std::string_view param(std::string_view name) const;

    const std::string& remote_ip() const { return remote_ip_; }
    const std::string& request_id() const { return request_id_; }
    std::string_view route() const { return route_; }
    bool tls() const { return tls_; }

    // Set by the server while routing.
    void SetRoute(std::string_view route_template, std::vector<std::pair<std::string, std::string>> params) {
        route_ = route_template;
        params_ = std::move(params);
    }
    void SetTls(bool tls) { tls_ = tls; }

    /// Set by a handler: the body of its (2xx, GET) response is not the Response's but is produced
    /// by `producer` and sent with `Transfer-Encoding: chunked`, each chunk under the write
    /// deadline; the access-log line and metrics are written once, after the last chunk, with the
    /// bytes actually sent. Ignored for HEAD and for a response that is not 2xx. An HTTP/1.0
    /// client gets the body without chunk framing, ended by closing the connection.
    void SetBodyProducer(BodyProducer producer) { body_producer_ = std::move(producer); }
    BodyProducer* body_producer() { return body_producer_ ? &body_producer_ : nullptr; }

  private:
    BeastRequest& raw_;
    std::string remote_ip_;
    std::string request_id_;
    std::string_view route_ = "unmatched";
    std::vector<std::pair<std::string, std::string>> params_;
    bool tls_ = false;
    BodyProducer body_producer_;
};

/// `{"...": ...}` with `Content-Type: application/json`.
Response JsonResponse(HttpStatus status, const boost::json::value& body);
/// The same with a body already serialized (REQUIRES: `body` is one valid JSON value).
Response JsonTextResponse(HttpStatus status, std::string body);
/// An empty response (204, 202 ...).
Response EmptyResponse(HttpStatus status);
/// RFC 9457 problem details (`application/problem+json`) from an Error, via the one ErrorCode
/// table in problem.cpp. Adds `Retry-After` for rate limits / unavailability.
Response ProblemResponse(const Error& error);
/// The problem-details object of ProblemResponse, for embedding (batch results).
boost::json::object ProblemJson(const Error& error);
/// The HTTP status an error code maps to.
HttpStatus StatusFor(ErrorCode code);

/// Percent-decodes `s` (`+` is left as is unless `plus_as_space`). nullopt on bad escapes or
/// when the result is not valid UTF-8 or contains NUL.
std::optional<std::string> PercentDecode(std::string_view s, bool plus_as_space);

}  // namespace wt::http
