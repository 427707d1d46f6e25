#!/usr/bin/env bash
# Restore the keys backed up by ops/backup-keys.sh into a server's home: ops/restore-keys.sh IN.tar.gpg
#
# LEDGER_HOME is the new home (default ~/.greenledger); it must not hold keys yet. BACKUP_PASSPHRASE_FILE
# as for the backup. gpg refuses an archive that was changed (its integrity check), so a tampered or
# truncated backup restores nothing.
set -euo pipefail
if [ $# -ne 1 ]; then
    echo "usage: $0 IN.tar.gpg" >&2
    exit 2
fi
archive=$1
home=${LEDGER_HOME:-$HOME/.greenledger}
passphrase=${BACKUP_PASSPHRASE_FILE:-}
if [ -z "$passphrase" ] || [ ! -r "$passphrase" ]; then
    echo "error: set BACKUP_PASSPHRASE_FILE to a readable file holding the backup passphrase" >&2
    exit 2
fi
if [ -e "$home/keys" ]; then
    echo "error: $home/keys exists; restore into a home without keys (nothing was changed)" >&2
    exit 1
fi
umask 077
mkdir -p "$home"
gnupg=$(mktemp -d)
staged=$(mktemp -d "$home/.restoring.XXXXXX")
trap 'rm -rf "$gnupg" "$staged"' EXIT
GNUPGHOME=$gnupg gpg --batch --quiet --pinentry-mode loopback --passphrase-file "$passphrase" --decrypt "$archive" |
    tar -C "$staged" -xf -
mv "$staged/keys" "$home/keys"
[ -f "$staged/session.key" ] && mv "$staged/session.key" "$home/session.key"
echo "restored the keys into $home/keys"
