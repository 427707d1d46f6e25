#!/usr/bin/env bash
# Back up LEDGER_HOME's keys, encrypted: ops/backup-keys.sh OUT.tar.gpg
#
# Takes keys/ (checkpoint.pem, the rotated checkpoint-<hash>.pem, operator.pem) and session.key, and
# encrypts them with gpg (AES-256, symmetric) under the passphrase in BACKUP_PASSPHRASE_FILE. Keep the
# archive apart from the database dumps, and the passphrase apart from both: whoever holds the keys can
# sign checkpoints as the log.
set -euo pipefail
if [ $# -ne 1 ]; then
    echo "usage: $0 OUT.tar.gpg" >&2
    exit 2
fi
out=$1
home=${LEDGER_HOME:-$HOME/.greenledger}
passphrase=${BACKUP_PASSPHRASE_FILE:-}
if [ -z "$passphrase" ] || [ ! -r "$passphrase" ]; then
    echo "error: set BACKUP_PASSPHRASE_FILE to a readable file holding the backup passphrase" >&2
    exit 2
fi
if [ ! -d "$home/keys" ]; then
    echo "error: $home/keys does not exist: set LEDGER_HOME to the server's home" >&2
    exit 1
fi
if [ -e "$out" ]; then
    echo "error: $out exists; a backup never replaces another" >&2
    exit 1
fi
members=(keys)
[ -f "$home/session.key" ] && members+=(session.key)
# gpg wants a home of its own even for symmetric encryption; a throwaway one keeps the operator's untouched.
gnupg=$(mktemp -d)
trap 'rm -rf "$gnupg"' EXIT
tar -C "$home" -cf - "${members[@]}" |
    GNUPGHOME=$gnupg gpg --batch --quiet --pinentry-mode loopback --passphrase-file "$passphrase" \
        --symmetric --cipher-algo AES256 --output "$out"
echo "backed up ${members[*]} of $home, encrypted, to $out"
