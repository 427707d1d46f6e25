#!/usr/bin/env bash
# Restore a dump made by ops/backup-database.sh into an empty database: ops/restore-database.sh IN.dump TARGET_URL
#
# TARGET_URL is a new, empty database, connected to as the role that is to own the tables (the owner role).
# The runtime role (LEDGER_RUNTIME_ROLE, default greenledger_app) must exist on the target server first: the
# dump grants it SELECT and INSERT on the log tables, and nothing more. PG_BIN as for the backup.
# Restores in one transaction: a failure leaves the target empty. Then run `greenledger config check`, and
# `greenledger verify --checkpoint` against checkpoints kept from before (docs/operations.md).
set -euo pipefail
if [ $# -ne 2 ]; then
    echo "usage: $0 IN.dump TARGET_URL" >&2
    exit 2
fi
dump=$1
url=${2/postgresql+psycopg:/postgresql:}
role=${LEDGER_RUNTIME_ROLE-greenledger_app}
bin=${PG_BIN:+$PG_BIN/}
if [ -f "$dump.sha256" ]; then
    (cd "$(dirname "$dump")" && sha256sum --quiet --check "$(basename "$dump").sha256") || {
        echo "error: $dump does not match its checksum $dump.sha256: it is damaged" >&2
        exit 1
    }
fi
if [ -n "$role" ] && [ "$("${bin}psql" --no-psqlrc -Atq --dbname "$url" -c "SELECT 1 FROM pg_roles WHERE rolname = '$role'")" != 1 ]; then
    echo "error: the runtime role $role does not exist on the target server; create it first (CREATE ROLE $role NOLOGIN; GRANT $role TO <owner>)" >&2
    exit 1
fi
tables=$("${bin}psql" --no-psqlrc -Atq --dbname "$url" -c "SELECT count(*) FROM pg_tables WHERE schemaname = 'public'")
if [ "$tables" != 0 ]; then
    echo "error: the target database already holds $tables tables; restore into a new, empty database" >&2
    exit 1
fi
"${bin}pg_restore" --exit-on-error --single-transaction --no-owner --dbname "$url" "$dump"
echo "restored $dump; now run: greenledger config check, then greenledger verify --checkpoint on an export"
