#!/usr/bin/python3
# SPDX-License-Identifier: Apache-2.0
"""Parses one .eml with Python's `email` package (an independent MIME reader) and prints what the
mail tests check, as JSON: decoded headers, each part's type, charset, transfer encoding and
decoded body, the longest line, whether every line ends with CRLF, and the parser's defects."""
import email
import email.policy
import json
import sys

raw = open(sys.argv[1], "rb").read()
message = email.message_from_bytes(raw, policy=email.policy.default)
lines = raw.split(b"\r\n")
result = {
    "headers": {name: str(message[name]) for name in message.keys()},
    "header_count": len(message.keys()),
    "content_type": message.get_content_type(),
    "parts": [],
    "longest_line": max(len(line) for line in lines),
    "bare_lf": b"\n" in b"".join(lines),
    "defects": [type(d).__name__ for d in message.defects],
}
for part in message.walk():
    if part.is_multipart():
        continue
    result["parts"].append({
        "content_type": part.get_content_type(),
        "charset": part.get_content_charset(),
        "transfer_encoding": part.get("Content-Transfer-Encoding"),
        "body": part.get_content(),
        "defects": [type(d).__name__ for d in part.defects],
    })
print(json.dumps(result))
