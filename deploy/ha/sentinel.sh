#!/bin/sh
# One Redis Sentinel of compose.ha.yaml. Sentinel rewrites its own config file, so the file is
# written at start into the container's writable layer. Quorum 2 of 3: a failover needs two
# Sentinels to agree the master is down (5 s without an answer).
set -eu
cat > /tmp/sentinel.conf <<CONF
port 26379
sentinel resolve-hostnames yes
sentinel announce-hostnames yes
sentinel monitor lgsp redis 6379 2
sentinel down-after-milliseconds lgsp 5000
sentinel failover-timeout lgsp 60000
sentinel parallel-syncs lgsp 1
CONF
exec redis-server /tmp/sentinel.conf --sentinel
