// SPDX-License-Identifier: Apache-2.0
#include "http/message.hpp"

#include <string>

#include "common/json.hpp"

namespace wt::http {
namespace {

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

std::string_view Request::path() const {
    std::string_view target(raw_.target());
    auto q = target.find('?');
    return q == std::string_view::npos ? target : target.substr(0, q);
}

std::string_view Request::query_string() const {
    std::string_view target(raw_.target());
    auto q = target.find('?');
    return q == std::string_view::npos ? std::string_view{} : target.substr(q + 1);
}

std::string_view Request::header(std::string_view name) const {
    auto it = raw_.find(name);
    return it == raw_.end() ? std::string_view{} : std::string_view(it->value());
}

std::string_view Request::header(beast_http::field name) const {
    auto it = raw_.find(name);
    return it == raw_.end() ? std::string_view{} : std::string_view(it->value());
}

std::optional<std::string> Request::cookie(std::string_view name) const {
    for (auto range = raw_.equal_range(beast_http::field::cookie); range.first != range.second; ++range.first) {
        std::string_view rest(range.first->value());
        while (!rest.empty()) {
            auto semi = rest.find(';');
            std::string_view pair = rest.substr(0, semi);
            rest = semi == std::string_view::npos ? std::string_view{} : rest.substr(semi + 1);
            while (!pair.empty() && pair.front() == ' ') pair.remove_prefix(1);
            auto eq = pair.find('=');
            if (eq == std::string_view::npos) continue;
            if (pair.substr(0, eq) == name) return std::string(pair.substr(eq + 1));
        }
    }
    return std::nullopt;
}

std::optional<std::string> Request::query(std::string_view name) const {
    std::string_view rest = query_string();
    while (!rest.empty()) {
        auto amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        rest = amp == std::string_view::npos ? std::string_view{} : rest.substr(amp + 1);
        auto eq = pair.find('=');
        std::string_view key = pair.substr(0, eq);
        auto decoded_key = PercentDecode(key, true);
        if (!decoded_key || *decoded_key != name) continue;
        if (eq == std::string_view::npos) return std::string();
        return PercentDecode(pair.substr(eq + 1), true);
    }
    return std::nullopt;
}

std::string_view Request::param(std::string_view name) const {
    for (const auto& [key, value] : params_)
        if (key == name) return value;
    return {};
}

std::optional<std::string> PercentDecode(std::string_view s, bool plus_as_space) {
    std::string out;
    out.reserve(s.size());
    for (std::size_t i = 0; i < s.size(); ++i) {
        char c = s[i];
        if (c == '%') {
            if (i + 2 >= s.size()) return std::nullopt;
            int hi = HexValue(s[i + 1]), lo = HexValue(s[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out.push_back(static_cast<char>(hi * 16 + lo));
            i += 2;
        } else if (c == '+' && plus_as_space) {
            out.push_back(' ');
        } else {
            out.push_back(c);
        }
    }
    if (out.find('\0') != std::string::npos || !IsValidUtf8(out)) return std::nullopt;
    return out;
}

Response JsonResponse(HttpStatus status, const boost::json::value& body) {
    Response res{status, 11};
    res.set(beast_http::field::content_type, "application/json");
    res.body() = boost::json::serialize(body);
    res.prepare_payload();
    return res;
}

Response JsonTextResponse(HttpStatus status, std::string body) {
    Response res{status, 11};
    res.set(beast_http::field::content_type, "application/json");
    res.body() = std::move(body);
    res.prepare_payload();
    return res;
}

Response EmptyResponse(HttpStatus status) {
    Response res{status, 11};
    if (status != HttpStatus::no_content) {
        res.set(beast_http::field::content_type, "application/json");
        res.body() = status == HttpStatus::accepted ? "{}" : "";
    }
    res.prepare_payload();
    return res;
}

}  // namespace wt::http
