#!/bin/sh
# The PostgreSQL replica of compose.ha.yaml: on first start, a base backup of the primary with
# `-R` (standby.signal and primary_conninfo written for us), then the server as a hot standby.
# Promoted with `pg_ctl promote`, it becomes the primary the hub's two-host URL finds.
set -eu
if [ ! -s "$PGDATA/PG_VERSION" ]; then
  PGPASSWORD="$(cat /run/secrets/replication_password)" pg_basebackup -h postgres -U replicator -D "$PGDATA" -R -X stream -c fast
  chmod 0700 "$PGDATA"
fi
exec postgres -c hot_standby=on
