#!/usr/bin/env bash
# Nightly backup of Campo's server database, for either engine. Run from cron or a systemd
# timer as the campo user, with CAMPO_DB set as in /etc/campo/campo.env:
#   0 2 * * *  . /etc/campo/campo.env && /usr/local/lib/campo/backup.sh /var/backups/campo
# Keeps 14 days. The copies hold health and social-care data: keep the folder 0700 and copy
# it off the machine encrypted.
set -euo pipefail
out_dir=${1:?usage: backup.sh DIR}
: "${CAMPO_DB:?CAMPO_DB is not set}"
umask 077
mkdir -p "$out_dir"
stamp=$(date +%Y%m%d-%H%M%S)
case "$CAMPO_DB" in
  postgres://*|postgresql://*)
    # A consistent snapshot of the database, compressed, restorable with pg_restore.
    pg_dump --format=custom --no-owner --file "$out_dir/campo-$stamp.dump" "$CAMPO_DB"
    ;;
  *)
    # SQLite's online copy: consistent while the server keeps writing.
    campo-server backup --out "$out_dir/campo-$stamp.db"
    ;;
esac
find "$out_dir" -maxdepth 1 -name 'campo-*' -mtime +14 -delete
