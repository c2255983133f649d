-- SPDX-License-Identifier: Apache-2.0
-- For the bench fixtures that bulk-load `transactions` with the sqlite3 CLI or Python: adds the
-- deferred account, customer and hour references of every row above each table's watermark and
-- moves the watermarks to the newest row, as the ingestion writer's flushes would have
-- (src/ingest/transaction_refs.cpp, storage migration 10). Without it the server would read the
-- loaded rows as "not referenced yet" (a scan of all of them per filtered query) until its writer
-- flushes them all in one group.
INSERT INTO transaction_account_refs (org_id, environment, bucket, id, account_id)
    SELECT org_id, environment, (unicode(substr(account_id, -1)) * 31 + unicode(substr(account_id, -2))) % 64, id,
           account_id
    FROM transactions NOT INDEXED
    WHERE rowid > (SELECT through_rowid FROM transaction_refs_state WHERE ref = 'account') ORDER BY 1, 2, 3, 4;
INSERT INTO transaction_customer_refs (org_id, environment, bucket, id, customer_id)
    SELECT org_id, environment, (unicode(substr(customer_id, -1)) * 31 + unicode(substr(customer_id, -2))) % 64, id,
           customer_id
    FROM transactions NOT INDEXED
    WHERE rowid > (SELECT through_rowid FROM transaction_refs_state WHERE ref = 'customer')
      AND customer_id IS NOT NULL ORDER BY 1, 2, 3, 4;
INSERT INTO transaction_hour_refs (org_id, environment, hour, id)
    SELECT org_id, environment, occurred_at / 3600000000, id FROM transactions NOT INDEXED
    WHERE rowid > (SELECT through_rowid FROM transaction_refs_state WHERE ref = 'hour') ORDER BY 1, 2, 3, 4;
UPDATE transaction_refs_state SET (through_rowid, through_id) =
    (SELECT rowid, id FROM transactions NOT INDEXED ORDER BY rowid DESC LIMIT 1)
    WHERE EXISTS (SELECT 1 FROM transactions NOT INDEXED);
