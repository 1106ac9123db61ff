/**
 * The ledger of a busy provincial hub that scripts/sync-scale-check.ts loads with
 * `generate_series` (1,000,000 dossiers in `sync_state`, 3,000,000 finished outbox rows over 40
 * days, 5,000 open rows, a province of 2,000 small agencies), in order; the VACUUM steps close it.
 */

export const TARGET = 'national-portal'

export const LOAD: Array<[string, string]> = [
  ['helpers', `CREATE FUNCTION dcode(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT 'G22.' || lpad(($1 % 40)::text, 2, '0') || '-' || lpad($1::text, 7, '0') $$;
    CREATE FUNCTION pagency(int) RETURNS text IMMUTABLE LANGUAGE sql AS $$ SELECT '000.' || lpad(($1 % 50)::text, 2, '0') || '.' || lpad(($1 / 50 + 1)::text, 2, '0') || '.H44' $$`],
  ['1,000,000 dossiers', `
    INSERT INTO dossiers (code, version, agency_code, status, snapshot, body_hash, client, accepted_at)
    SELECT dcode(i), 3, 'G22.' || lpad((i % 40)::text, 2, '0'), 'processing',
      jsonb_build_object('version', 3, 'status', 'processing', 'agencyCode', 'G22.' || lpad((i % 40)::text, 2, '0'), 'procedureCode', '1.00' || (i % 997),
        'applicant', jsonb_build_object('type', 'citizen', 'name', 'Nguyen Van ' || i, 'id', lpad(i::text, 12, '0')), 'receivedAt', '2024-05-01T08:00:00Z'),
      md5(i::text), 'one-stop', now() - interval '40 days' + i * interval '3.456 second'
    FROM generate_series(1, 1000000) i`],
  // A province of 2,000 small agencies (QCVN 102:2016 codes, lower levels filling leftwards:
  // 000.<unit>.<department>.H44, 40 departments of 50 units), 20 dossiers each, all delivered: a
  // client restricted to the province (*.H44) or a department (*.24.H44) lists across many agencies.
  ['a province: 2,000 agencies, 40,000 dossiers', `
    INSERT INTO dossiers (code, version, agency_code, status, snapshot, body_hash, client, accepted_at)
    SELECT pagency(k / 20) || '-' || lpad(k::text, 6, '0'), 2, pagency(k / 20), 'processing',
      jsonb_build_object('version', 2, 'status', 'processing', 'agencyCode', pagency(k / 20), 'procedureCode', '2.00' || (k % 97),
        'applicant', jsonb_build_object('type', 'citizen', 'name', 'Le Thi ' || k, 'id', lpad(k::text, 12, '0')), 'receivedAt', '2024-05-01T08:00:00Z'),
      md5('p' || k), 'one-stop', now() - interval '20 days' + k * interval '30 second'
    FROM generate_series(0, 39999) k`],
  ['1,000,000 + 40,000 + 20,000 sync_state rows', `
    INSERT INTO sync_state (target, dossier_code, state, delivered_version, delivered_at, updated_at)
    SELECT '${TARGET}', dcode(i), 'delivered', 3, now() - interval '13 days' + i * interval '1.123 second', now() - interval '13 days' + i * interval '1.123 second'
    FROM generate_series(1, 1000000) i
    UNION ALL
    SELECT '${TARGET}', pagency(k / 20) || '-' || lpad(k::text, 6, '0'), 'delivered', 2, now() - interval '20 days' + k * interval '31 second', now() - interval '20 days' + k * interval '31 second'
    FROM generate_series(0, 39999) k
    UNION ALL
    SELECT 'lgsp-edoc', 'edoc-' || k, 'delivered', NULL, NULL, now() - interval '1 day' FROM generate_series(0, 19999) k`],
  // Three versions per dossier over 40 days, ids in time order: one row in 7 a progress step, one
  // in 75 a message of the document axis, one in 1,500 dead, a tenth of the older versions superseded.
  ['3,000,000 finished outbox rows', `
    INSERT INTO outbox (id, target, dossier_code, kind, version, step_id, payload, state, attempts, last_error, created_at, done_at)
    SELECT g,
      CASE WHEN g % 75 = 0 THEN 'lgsp-edoc' ELSE '${TARGET}' END,
      CASE WHEN g % 75 = 0 THEN 'edoc-' || (g / 75 % 20000) ELSE dcode((g - 1) % 1000000 + 1) END,
      CASE WHEN g % 75 = 0 THEN 'message' WHEN g % 7 = 0 THEN 'progress' ELSE 'snapshot' END,
      CASE WHEN g % 75 = 0 OR g % 7 = 0 THEN NULL ELSE (g - 1) / 1000000 + 1 END,
      CASE WHEN g % 75 = 0 THEN 'send-' || g WHEN g % 7 = 0 THEN 'step-' || g END,
      jsonb_build_object('code', dcode((g - 1) % 1000000 + 1), 'version', (g - 1) / 1000000 + 1, 'status', 'processing',
        'applicant', jsonb_build_object('type', 'citizen', 'name', 'Nguyen Van ' || g, 'id', lpad(g::text, 12, '0')), 'receivedAt', '2024-05-01T08:00:00Z'),
      CASE WHEN g % 1500 = 7 THEN 'dead' WHEN g % 10 = 3 AND g <= 2000000 AND g % 75 <> 0 THEN 'superseded' ELSE 'delivered' END,
      1,
      CASE WHEN g % 1500 = 7 THEN 'rejected: invalid record' END,
      now() - interval '40 days' + g * interval '1.152 second',
      now() - interval '40 days' + g * interval '1.152 second' + (g % 30) * interval '1 second'
    FROM generate_series(1, 3000000) g`],
  // Dossier k·199: k % 5 in 0..2 pending and free, 3 pending but leased by another replica,
  // 4 retrying (k % 25 = 4 due 5 s ago, the others in 10 minutes). One in ten is a progress step.
  ['5,000 open outbox rows', `
    INSERT INTO outbox (id, target, dossier_code, kind, version, step_id, payload, state, attempts, created_at, next_attempt_at)
    SELECT 3000000 + k, '${TARGET}', dcode(k * 199),
      CASE WHEN k % 10 = 9 THEN 'progress' ELSE 'snapshot' END,
      CASE WHEN k % 10 = 9 THEN NULL ELSE 4 END,
      CASE WHEN k % 10 = 9 THEN 'step-open-' || k END,
      jsonb_build_object('code', dcode(k * 199), 'version', 4, 'status', 'processing', 'applicant', jsonb_build_object('type', 'citizen', 'name', 'Tran Thi ' || k, 'id', lpad(k::text, 12, '0'))),
      CASE WHEN k % 5 = 4 THEN 'retrying' ELSE 'pending' END,
      CASE WHEN k % 5 = 4 THEN 3 ELSE 0 END,
      now() - interval '10 minutes' + k * interval '0.1 second',
      CASE WHEN k % 25 = 4 THEN now() - interval '5 seconds' WHEN k % 5 = 4 THEN now() + interval '10 minutes' END
    FROM generate_series(1, 5000) k`],
  ['outbox sequence', `SELECT setval('outbox_id_seq', 3005000)`],
  ['sync_state of the open rows', `
    UPDATE sync_state s SET state = CASE WHEN k % 5 = 4 THEN 'retrying' ELSE 'pending' END,
      lease_owner = CASE WHEN k % 5 = 3 THEN 'other-replica' END, lease_until = CASE WHEN k % 5 = 3 THEN now() + interval '45 seconds' END,
      attempts = CASE WHEN k % 5 = 4 THEN 3 ELSE 0 END,
      next_attempt_at = CASE WHEN k % 25 = 4 THEN now() - interval '5 seconds' WHEN k % 5 = 4 THEN now() + interval '10 minutes' END
    FROM generate_series(1, 5000) k WHERE s.target = '${TARGET}' AND s.dossier_code = dcode(k * 199)`],
  ['sync_state of the dead rows', `
    UPDATE sync_state s SET state = 'dead', last_error = 'rejected: invalid record', attempts = 1
    FROM generate_series(2000007, 3000000, 1500) g
    WHERE g % 75 <> 0 AND s.target = '${TARGET}' AND s.dossier_code = dcode((g - 1) % 1000000 + 1) AND s.state = 'delivered'`],
  ['VACUUM ANALYZE dossiers', 'VACUUM ANALYZE dossiers'],
  ['VACUUM ANALYZE sync_state', 'VACUUM ANALYZE sync_state'],
  ['VACUUM ANALYZE outbox', 'VACUUM ANALYZE outbox'],
]
