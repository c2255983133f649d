#!/usr/bin/env python3
# SPDX-License-Identifier: Apache-2.0
"""Bulk-loads a stopped server's SQLite file for bench/dashboard/run.

Writes ROWS transactions (occurred_at spread evenly over DAYS days ending now; 90 % production;
decisions 85/10/5 % allow/review/block; five currencies) and one alert per 100 transactions (eight
rules, four severities; 70 % closed with triage and close times and a disposition, 10 % in review
with an assignee, 20 % open), generated inside SQLite by recursive CTEs (C speed, rows in index
order so every index appends). Then the rollups are rebuilt with exactly the INSERT ... SELECT ...
GROUP BY that storage migration 8 backfills with: what the server reads afterwards is what it
would have after ingesting those rows (its observer keeps the same figures as they commit).

usage: load.py <db file> <org id> <rows> <days>
"""
import os
import sqlite3
import sys
import time

db_path, org_id, rows, days = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4])
now_us = int(time.time()) * 1_000_000
span_us = days * 86_400 * 1_000_000
start_us = now_us - span_us
chunk = 1_000_000

con = sqlite3.connect(db_path, isolation_level=None)
con.execute("PRAGMA journal_mode=DELETE")
con.execute("PRAGMA synchronous=OFF")
con.execute("PRAGMA cache_size=-1000000")
began = time.time()
for first in range(0, rows, chunk):
    last = min(rows, first + chunk) - 1
    con.execute("BEGIN")
    con.execute(
        """
        WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 1 FROM n WHERE i < ?2)
        INSERT INTO transactions (id, org_id, environment, external_id, idempotency_key, fingerprint, occurred_at,
            received_at, amount_minor, currency, direction, type, account_id, customer_id, counterparty_name,
            counterparty_account, counterparty_country, channel, country, ip, device_id, metadata, decision, score,
            api_key_id)
        SELECT printf('txn_%020d', i), ?3, CASE WHEN i % 10 = 9 THEN 'sandbox' ELSE 'production' END,
            printf('bench-%012d', i), printf('bench-%012d', i), 'bench', ?4 + i * ?5 / ?6, ?4 + i * ?5 / ?6 + 1000,
            (i * 7919) % 500000 + 100, CASE i % 5 WHEN 0 THEN 'USD' WHEN 1 THEN 'EUR' WHEN 2 THEN 'GBP'
            WHEN 3 THEN 'JPY' ELSE 'CHF' END, CASE WHEN i % 2 = 0 THEN 'inbound' ELSE 'outbound' END, 'wire',
            printf('acc-%05d', (i * 31) % 20000), printf('cus-%05d', (i * 17) % 15000), 'Bench Counterparty',
            NULL, 'DE', 'online', 'US', NULL, NULL, '{}',
            CASE WHEN i % 20 = 7 THEN 'block' WHEN i % 10 = 3 THEN 'review' ELSE 'allow' END, 0, 'key_bench'
        FROM n
        """,
        (first, last, org_id, start_us, span_us, rows),
    )
    con.execute(
        """
        WITH RECURSIVE n(i) AS (SELECT ?1 UNION ALL SELECT i + 100 FROM n WHERE i + 100 <= ?2)
        INSERT INTO alerts (id, org_id, environment, rule_id, rule_version, rule_name, severity, transaction_id,
            entity_key, occurred_at, status, assignee_id, disposition, note, case_id, created_at, updated_at,
            triaged_at, closed_at, closed_by)
        SELECT printf('alr_%020d', i), ?3, CASE WHEN i % 10 = 9 THEN 'sandbox' ELSE 'production' END,
            printf('rul_bench_%d', (i / 100) % 8), 1, printf('bench rule %d', (i / 100) % 8),
            CASE (i / 100) % 4 WHEN 0 THEN 'low' WHEN 1 THEN 'medium' WHEN 2 THEN 'high' ELSE 'critical' END,
            printf('txn_%020d', i), printf('account:acc-%05d', (i * 31) % 20000), ?4 + i * ?5 / ?6,
            CASE WHEN (i / 100) % 10 < 7 THEN 'closed' WHEN (i / 100) % 10 = 7 THEN 'in_review' ELSE 'open' END,
            CASE WHEN (i / 100) % 10 < 8 THEN printf('usr_bench_%d', (i / 100) % 5) ELSE NULL END,
            CASE WHEN (i / 100) % 10 < 7 THEN CASE WHEN (i / 100) % 3 = 0 THEN 'true_positive'
                ELSE 'false_positive' END ELSE NULL END,
            CASE WHEN (i / 100) % 10 < 7 THEN 'bench' ELSE NULL END, NULL,
            ?4 + i * ?5 / ?6 + 1000, ?4 + i * ?5 / ?6 + 1000,
            CASE WHEN (i / 100) % 10 < 8 THEN ?4 + i * ?5 / ?6 + 1000 + ((i * 13) % 7200) * 1000000 ELSE NULL END,
            CASE WHEN (i / 100) % 10 < 7 THEN ?4 + i * ?5 / ?6 + 1000 + ((i * 29) % 86400) * 1000000 ELSE NULL END,
            CASE WHEN (i / 100) % 10 < 7 THEN 'usr_bench_0' ELSE NULL END
        FROM n
        """,
        (first, last, org_id, start_us, span_us, rows),
    )
    con.execute("COMMIT")
    done = last + 1
    print(f"load: {done:,} transactions ({done / (time.time() - began):,.0f}/s)", file=sys.stderr, flush=True)

# Migration 8's backfill, verbatim (src/storage/migrations_v8_rollups.cpp).
con.execute("BEGIN")
con.execute("DELETE FROM rollup_transactions_hourly")
con.execute("DELETE FROM rollup_alerts_hourly")
con.execute(
    """INSERT INTO rollup_transactions_hourly (org_id, environment, hour, decision, currency, tx_count, amount_minor)
    SELECT org_id, environment, occurred_at / 3600000000, decision, currency, COUNT(*), SUM(amount_minor)
    FROM transactions GROUP BY org_id, environment, occurred_at / 3600000000, decision, currency""")
con.execute(
    """INSERT INTO rollup_alerts_hourly (org_id, environment, hour, rule_id, severity, raised)
    SELECT org_id, environment, occurred_at / 3600000000, rule_id, severity, COUNT(*)
    FROM alerts GROUP BY org_id, environment, occurred_at / 3600000000, rule_id, severity""")
con.execute("COMMIT")
# The deferred account, customer and hour references of the loaded rows.
with open(os.path.join(os.path.dirname(os.path.realpath(__file__)), "..", "transaction_refs.sql")) as refs:
    con.executescript("BEGIN;\n" + refs.read() + "\nCOMMIT;")
con.execute("PRAGMA journal_mode=WAL")
counts = con.execute("SELECT (SELECT COUNT(*) FROM rollup_transactions_hourly), (SELECT COUNT(*) FROM alerts)").fetchone()
print(f"load: done in {time.time() - began:,.0f} s; {counts[0]:,} rollup rows, {counts[1]:,} alerts", file=sys.stderr)
