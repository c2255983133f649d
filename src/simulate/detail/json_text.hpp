// SPDX-License-Identifier: Apache-2.0
/// Private to `simulate`: JSON text written straight into a string, for the request bodies the
/// generator emits by the million (a Boost.JSON DOM per body cost more than the rest of the
/// generator). The output is byte for byte what `boost::json::serialize` writes for the same
/// object: strings escaped as Boost.JSON escapes them (`"`, `\` and control characters; `/` and
/// bytes >= 0x7f verbatim), members in the order they are written, no spaces.
/// Threading: a writer is used by one thread; the functions are pure.
#pragma once

#include <string>
#include <string_view>

namespace wt::simulate::detail {

/// Appends `text` as a JSON string literal (quotes included), escaped like Boost.JSON's serializer.
inline void AppendJsonString(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789abcdef";
    out += '"';
    std::size_t plain_from = 0;
    for (std::size_t idx = 0; idx < text.size(); ++idx) {
        auto c = static_cast<unsigned char>(text[idx]);
        if (c >= 0x20 && c != '"' && c != '\\') continue;
        out.append(text, plain_from, idx - plain_from);
        plain_from = idx + 1;
        out += '\\';
        switch (c) {
            case '"':
            case '\\':
                out += static_cast<char>(c);
                break;
            case '\b':
                out += 'b';
                break;
            case '\t':
                out += 't';
                break;
            case '\n':
                out += 'n';
                break;
            case '\f':
                out += 'f';
                break;
            case '\r':
                out += 'r';
                break;
            default:
                out += "u00";
                out += kHex[c >> 4];
                out += kHex[c & 0xf];
        }
    }
    out.append(text, plain_from, text.size() - plain_from);
    out += '"';
}

/// Writes one JSON object (and objects nested in it) member by member into `out`:
///
///   JsonObjectWriter body(text);          // "{"
///   body.String("currency", "EUR");       // "\"currency\":\"EUR\""
///   body.OpenObject("metadata"); ... body.CloseObject();
///   body.Close();                         // "}"
///
/// REQUIRES: every OpenObject is matched by a CloseObject before Close.
class JsonObjectWriter {
  public:
    explicit JsonObjectWriter(std::string& out) : out_(out) { out_ += '{'; }

    void String(std::string_view key, std::string_view value) {
        Key(key);
        AppendJsonString(out_, value);
    }
    void OpenObject(std::string_view key) {
        Key(key);
        out_ += '{';
        first_ = true;
    }
    void CloseObject() {
        out_ += '}';
        first_ = false;
    }
    void Close() { out_ += '}'; }

  private:
    void Key(std::string_view key) {
        if (!first_) out_ += ',';
        first_ = false;
        AppendJsonString(out_, key);
        out_ += ':';
    }

    std::string& out_;
    bool first_ = true;
};

}  // namespace wt::simulate::detail
