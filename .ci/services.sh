#!/usr/bin/env bash
# Install (if missing) and start PostgreSQL and Redis on this machine, for CI and local runs.
# Prints the DATABASE_URL and REDIS_URL exports to stdout.  Needs root.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

need=()
command -v pg_ctlcluster >/dev/null 2>&1 || need+=(postgresql postgresql-contrib)
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v make >/dev/null 2>&1 || need+=(make)
python3 -c "import ensurepip, venv" >/dev/null 2>&1 || need+=(python3-venv)
if [ ${#need[@]} -gt 0 ]; then
  apt-get update -qq >&2
  apt-get install -y -qq "${need[@]}" >&2
fi

PG_VERSION=$(ls /usr/lib/postgresql | sort -n | tail -1)
if ! pg_lsclusters -h | awk '{print $1" "$2}' | grep -q "^${PG_VERSION} main$"; then
  pg_createcluster "$PG_VERSION" main >&2
fi
# A production-like baseline instead of the packaged defaults (128 MB of shared buffers, a
# checkpoint every 1 GB of WAL), which a million-row import or export outgrows many times over.
# Applied once; the cluster restarts only when a value changed.
# WAL compression with lz4 (PostgreSQL 15 and later; "on" means pglz): after each checkpoint
# the first change to a page logs the whole page, and a large import changes index pages all
# over its indexes; compressing those pages with pglz took most of the server's time.
PG_CONF_DIR=/etc/postgresql/$PG_VERSION/main/conf.d
mkdir -p "$PG_CONF_DIR"
WAL_COMPRESSION=on
[ "${PG_VERSION%%.*}" -ge 15 ] && WAL_COMPRESSION=lz4
PG_TUNING="shared_buffers = '1GB'
max_wal_size = '8GB'
checkpoint_timeout = '15min'
wal_compression = $WAL_COMPRESSION"
if [ "$(cat "$PG_CONF_DIR/dolly.conf" 2>/dev/null)" != "$PG_TUNING" ]; then
  echo "$PG_TUNING" > "$PG_CONF_DIR/dolly.conf"
  pg_ctlcluster "$PG_VERSION" main restart >&2 2>/dev/null || true
fi
pg_ctlcluster "$PG_VERSION" main start >&2 2>/dev/null || true
for _ in $(seq 1 30); do
  pg_isready -q -h 127.0.0.1 -p 5432 && break
  sleep 1
done
su postgres -c "psql -q -tAc \"SELECT 1 FROM pg_roles WHERE rolname='dolly'\"" | grep -q 1 \
  || su postgres -c "psql -q -c \"CREATE ROLE dolly LOGIN SUPERUSER PASSWORD 'dolly'\"" >&2
su postgres -c "psql -q -tAc \"SELECT 1 FROM pg_database WHERE datname='dolly'\"" | grep -q 1 \
  || su postgres -c "createdb -O dolly dolly" >&2

if ! redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1; then
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no >&2
  for _ in $(seq 1 30); do
    redis-cli -h 127.0.0.1 -p 6379 ping >/dev/null 2>&1 && break
    sleep 0.5
  done
fi

echo "export DATABASE_URL=postgres://dolly:dolly@127.0.0.1:5432/dolly"
echo "export REDIS_URL=redis://127.0.0.1:6379/0"
