#!/usr/bin/env bash
# Provisions a local PostgreSQL for the datastore test suite on a Debian machine (run as root).
# Idempotent: installs `postgresql` if missing, starts the default cluster on 127.0.0.1,
# ensures role tspire/tspire (CREATEDB) and database tspire, waits for connections, and prints
#   export TSPIRE_TEST_PG_URL=postgres://tspire:tspire@127.0.0.1:<port>/tspire
# on stdout (everything else goes to stderr), so callers can `eval "$(scripts/ci-postgres.sh)"`.
set -euo pipefail

log() { echo "ci-postgres: $*" >&2; }

if [ "$(id -u)" -ne 0 ]; then
  log "must run as root (installs packages and manages the cluster)"
  exit 1
fi

if ! command -v pg_lsclusters >/dev/null 2>&1 || [ -z "$(ls /usr/lib/postgresql 2>/dev/null)" ]; then
  log "installing postgresql"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >&2
  apt-get install -y -qq postgresql >&2
fi

# The default cluster: the first one listed; create one for the newest installed version if none.
cluster_line="$(pg_lsclusters --no-header 2>/dev/null | head -n 1 || true)"
if [ -z "$cluster_line" ]; then
  version="$(ls /usr/lib/postgresql | sort -V | tail -n 1)"
  log "creating cluster $version/main"
  pg_createcluster "$version" main >&2
  cluster_line="$(pg_lsclusters --no-header | head -n 1)"
fi
read -r version cluster port status _ <<<"$cluster_line"

# Listen on loopback only (a conf.d drop-in, so the packaged postgresql.conf stays untouched);
# Debian's default pg_hba.conf allows password (scram) logins from 127.0.0.1.
conf_dir="/etc/postgresql/$version/$cluster/conf.d"
dropin="$conf_dir/tspire-ci.conf"
wanted="listen_addresses = '127.0.0.1'"
if [ "$(cat "$dropin" 2>/dev/null || true)" != "$wanted" ]; then
  log "writing $dropin"
  mkdir -p "$conf_dir"
  printf '%s\n' "$wanted" >"$dropin"
  if [ "$status" = "online" ]; then pg_ctlcluster "$version" "$cluster" restart >&2; fi
fi

if ! pg_lsclusters --no-header | awk -v v="$version" -v c="$cluster" '$1==v && $2==c {print $4}' | grep -q online; then
  log "starting cluster $version/$cluster on port $port"
  pg_ctlcluster "$version" "$cluster" start >&2
fi

for _ in $(seq 1 120); do
  if pg_isready -q -h 127.0.0.1 -p "$port"; then break; fi
  sleep 0.5
done
if ! pg_isready -q -h 127.0.0.1 -p "$port"; then
  log "postgresql on 127.0.0.1:$port did not accept connections within 60s"
  exit 1
fi

as_postgres() { (cd /tmp && runuser -u postgres -- psql -p "$port" -v ON_ERROR_STOP=1 -qtA "$@"); }

if [ "$(as_postgres -c "SELECT 1 FROM pg_roles WHERE rolname = 'tspire'")" != "1" ]; then
  log "creating role tspire"
  as_postgres -c "CREATE ROLE tspire LOGIN CREATEDB PASSWORD 'tspire'" >&2
else
  as_postgres -c "ALTER ROLE tspire LOGIN CREATEDB PASSWORD 'tspire'" >&2
fi
if [ "$(as_postgres -c "SELECT 1 FROM pg_database WHERE datname = 'tspire'")" != "1" ]; then
  log "creating database tspire"
  as_postgres -c "CREATE DATABASE tspire OWNER tspire" >&2
fi

# Final check with the credentials the tests use.
PGPASSWORD=tspire psql -h 127.0.0.1 -p "$port" -U tspire -d tspire -qtAc 'SELECT 1' >/dev/null
log "ready on 127.0.0.1:$port"
echo "export TSPIRE_TEST_PG_URL=postgres://tspire:tspire@127.0.0.1:$port/tspire"
