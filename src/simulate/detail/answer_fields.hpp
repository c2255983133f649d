// SPDX-License-Identifier: Apache-2.0
/// Private to `simulate`: the few fields the driver reads from an ingestion answer, taken by a
/// Boost.JSON SAX parser instead of a DOM (building the DOM of every answer was a tenth of the
/// simulator's instructions). The result is what the DOM gave: the body must be one complete,
/// valid JSON text (else nothing is read); with duplicate keys the last one counts, as in a
/// Boost.JSON object; a field of the wrong type reads as absent.
///
///   top level       "decision", "code" (strings), "results" (an array)
///   results[i]      "status" (an integer), "transaction"."decision", "problem"."code" (strings)
///
/// Threading: a value type and a pure function.
#pragma once

#include <boost/json/basic_parser.hpp>
#include <boost/json/basic_parser_impl.hpp>
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace wt::simulate::detail {

struct AnswerItem {
    std::optional<std::int64_t> status;  // absent unless results[i] is an object with an integer status
    std::string decision;                // results[i].transaction.decision
    std::string code;                    // results[i].problem.code
};

struct AnswerFields {
    bool valid = false;  // the body was one JSON text
    std::string decision;
    std::string code;
    std::optional<std::vector<AnswerItem>> results;  // absent unless "results" is an array
};

namespace answer_detail {

// The SAX handler: a stack of the containers it is in, each with the role that matters here.
class Handler {
  public:
    static constexpr std::size_t max_object_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_array_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_key_size = static_cast<std::size_t>(-1);
    static constexpr std::size_t max_string_size = static_cast<std::size_t>(-1);

    AnswerFields fields;

    bool on_document_begin(boost::system::error_code&) { return true; }
    bool on_document_end(boost::system::error_code&) { return true; }
    bool on_object_begin(boost::system::error_code&) { return Container(true); }
    bool on_object_end(std::size_t, boost::system::error_code&) { return Pop(); }
    bool on_array_begin(boost::system::error_code&) { return Container(false); }
    bool on_array_end(std::size_t, boost::system::error_code&) { return Pop(); }
    bool on_key_part(boost::json::string_view part, std::size_t, boost::system::error_code&) {
        text_.append(part.data(), part.size());
        return true;
    }
    bool on_key(boost::json::string_view part, std::size_t, boost::system::error_code&) {
        text_.append(part.data(), part.size());
        if (!frames_.empty()) frames_.back().key = KeyOf(text_);
        text_.clear();
        return true;
    }
    bool on_string_part(boost::json::string_view part, std::size_t, boost::system::error_code&) {
        text_.append(part.data(), part.size());
        return true;
    }
    bool on_string(boost::json::string_view part, std::size_t, boost::system::error_code&) {
        text_.append(part.data(), part.size());
        Scalar(&text_, std::nullopt);
        text_.clear();
        return true;
    }
    bool on_number_part(boost::json::string_view, boost::system::error_code&) { return true; }
    bool on_int64(std::int64_t value, boost::json::string_view, boost::system::error_code&) {
        return Scalar(nullptr, value);
    }
    bool on_uint64(std::uint64_t, boost::json::string_view, boost::system::error_code&) { return Other(); }
    bool on_double(double, boost::json::string_view, boost::system::error_code&) { return Other(); }
    bool on_bool(bool, boost::system::error_code&) { return Other(); }
    bool on_null(boost::system::error_code&) { return Other(); }
    bool on_comment_part(boost::json::string_view, boost::system::error_code&) { return true; }
    bool on_comment(boost::json::string_view, boost::system::error_code&) { return true; }

  private:
    // Where a container or value sits.
    enum class Role { kTop, kResults, kItem, kTransaction, kProblem, kOther };
    // The keys that matter; any other is kNone.
    enum class Key { kNone, kDecision, kCode, kResults, kStatus, kTransaction, kProblem };
    struct Frame {
        Role role;
        Key key = Key::kNone;  // of the member being read (objects)
    };

    static Key KeyOf(std::string_view key) {
        if (key == "decision") return Key::kDecision;
        if (key == "code") return Key::kCode;
        if (key == "results") return Key::kResults;
        if (key == "status") return Key::kStatus;
        if (key == "transaction") return Key::kTransaction;
        if (key == "problem") return Key::kProblem;
        return Key::kNone;
    }

    // A value starts in the current container: resets the field it replaces (the last duplicate
    // counts) and says what role a container value takes.
    Role Place(bool is_object, bool is_array) {
        if (frames_.empty()) return is_object ? Role::kTop : Role::kOther;
        Frame& parent = frames_.back();
        switch (parent.role) {
            case Role::kTop:
                if (parent.key == Key::kDecision) fields.decision.clear();
                if (parent.key == Key::kCode) fields.code.clear();
                if (parent.key == Key::kResults) {
                    fields.results.reset();
                    if (is_array) {
                        fields.results.emplace();
                        return Role::kResults;
                    }
                }
                return Role::kOther;
            case Role::kResults:
                fields.results->emplace_back();
                return is_object ? Role::kItem : Role::kOther;
            case Role::kItem:
                if (parent.key == Key::kStatus) fields.results->back().status.reset();
                if (parent.key == Key::kTransaction) {
                    fields.results->back().decision.clear();
                    if (is_object) return Role::kTransaction;
                }
                if (parent.key == Key::kProblem) {
                    fields.results->back().code.clear();
                    if (is_object) return Role::kProblem;
                }
                return Role::kOther;
            case Role::kTransaction:
                if (parent.key == Key::kDecision) fields.results->back().decision.clear();
                return Role::kOther;
            case Role::kProblem:
                if (parent.key == Key::kCode) fields.results->back().code.clear();
                return Role::kOther;
            case Role::kOther:
                return Role::kOther;
        }
        return Role::kOther;
    }

    bool Container(bool is_object) {
        frames_.push_back({Place(is_object, !is_object)});
        return true;
    }
    bool Pop() {
        frames_.pop_back();
        return true;
    }
    bool Other() {
        Place(false, false);
        return true;
    }
    // A string (`text`) or an integer (`number`).
    bool Scalar(const std::string* text, std::optional<std::int64_t> number) {
        Place(false, false);
        if (frames_.empty()) return true;
        const Frame& parent = frames_.back();
        if (text != nullptr) {
            if (parent.role == Role::kTop && parent.key == Key::kDecision) fields.decision = *text;
            if (parent.role == Role::kTop && parent.key == Key::kCode) fields.code = *text;
            if (parent.role == Role::kTransaction && parent.key == Key::kDecision)
                fields.results->back().decision = *text;
            if (parent.role == Role::kProblem && parent.key == Key::kCode) fields.results->back().code = *text;
        } else if (parent.role == Role::kItem && parent.key == Key::kStatus) {
            fields.results->back().status = number;
        }
        return true;
    }

    std::vector<Frame> frames_;
    std::string text_;  // the key or string being read (it may come in parts)
};

}  // namespace answer_detail

/// The fields of `body` (see the file comment); all empty when it is not one valid JSON text.
inline AnswerFields ReadAnswer(std::string_view body) {
    boost::json::basic_parser<answer_detail::Handler> parser(boost::json::parse_options{});
    boost::system::error_code ec;
    std::size_t used = parser.write_some(false, body.data(), body.size(), ec);
    if (ec || used < body.size() || !parser.done()) return {};
    AnswerFields fields = std::move(parser.handler().fields);
    fields.valid = true;
    return fields;
}

}  // namespace wt::simulate::detail
