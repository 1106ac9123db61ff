#!/bin/sh
# Runs once in the PostgreSQL primary of compose.ha.yaml, when its data directory is created: a
# role that may stream the WAL and the pg_hba line that lets it in from the compose network.
set -eu
echo "CREATE ROLE replicator WITH REPLICATION LOGIN PASSWORD :'pw';" |
  psql -v ON_ERROR_STOP=1 -v pw="$(cat /run/secrets/replication_password)" --username "$POSTGRES_USER" --dbname "$POSTGRES_DB"
echo "host replication replicator all scram-sha-256" >> "$PGDATA/pg_hba.conf"
