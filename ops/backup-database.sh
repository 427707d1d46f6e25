#!/usr/bin/env bash
# Dump the ledger database with pg_dump, then check the dump reads back: ops/backup-database.sh OUT.dump
#
# DATABASE_URL names the ledger database (a libpq URL; a role that may read every table, e.g. the owner).
# PG_BIN, if set, is the folder of pg_dump/pg_restore (they must be at least the server's major version).
# pg_dump reads one snapshot, so the entries, tree nodes and checkpoints in the dump agree with each other.
# Writes OUT.dump and OUT.dump.sha256; the keys are not in it (ops/backup-keys.sh backs them up apart).
set -euo pipefail
if [ $# -ne 1 ]; then
    echo "usage: $0 OUT.dump" >&2
    exit 2
fi
if [ -z "${DATABASE_URL:-}" ]; then
    echo "error: set DATABASE_URL to the ledger database" >&2
    exit 2
fi
out=$1
url=${DATABASE_URL/postgresql+psycopg:/postgresql:}
bin=${PG_BIN:+$PG_BIN/}
if [ -e "$out" ]; then
    echo "error: $out exists; a backup never replaces another" >&2
    exit 1
fi
"${bin}pg_dump" --format=custom --compress=6 --no-password --file "$out.partial" --dbname "$url"
# A dump that pg_restore cannot list is no backup: find out now, not on the day it is needed.
"${bin}pg_restore" --list "$out.partial" > /dev/null
mv "$out.partial" "$out"
(cd "$(dirname "$out")" && sha256sum "$(basename "$out")" > "$(basename "$out").sha256")
echo "backed up the ledger database to $out"
