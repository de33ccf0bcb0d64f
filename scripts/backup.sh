#!/usr/bin/env bash
# Back up the CallWaiting database: one pg_dump archive (custom format, compressed) per run, named
# with the UTC time, and archives older than N days removed.
#
#   scripts/backup.sh [--compose | --url URL] [--dir DIR] [--keep-days N] [--prefix NAME]
#
# Which database:
#   --compose     the `postgres` service of docker-compose.yml. pg_dump runs inside that container, so
#                 its version always matches the server's, as the container's POSTGRES_USER on its
#                 POSTGRES_DB; the archive is streamed out to DIR on this machine. Run it from the
#                 directory that holds docker-compose.yml.
#   --url URL     any PostgreSQL server, with this machine's pg_dump (which must be at least as new as
#                 the server), e.g. postgres://callwaiting:secret@127.0.0.1:5432/callwaiting
#   (neither)     the URL in $DATABASE_URL.
#
# Options:
#   --dir DIR        where archives go (default: $BACKUP_DIR, else ./backups); created mode 700
#   --keep-days N    remove this script's archives older than N days (default: $BACKUP_KEEP_DAYS, else
#                    14); 0 keeps everything
#   --prefix NAME    file names are NAME-YYYYMMDDTHHMMSSZ.dump (default: callwaiting); only files with
#                    this prefix are ever removed
#
# Prints the path of the new archive. Exit status 0 only when the archive was written completely and
# pg_restore can read its table of contents. Restore with scripts/restore.sh.
#
# Cron, nightly at 03:17 with two weeks kept:
#   17 3 * * * cd /opt/callwaiting && scripts/backup.sh --compose --dir /var/backups/callwaiting >>/var/log/callwaiting-backup.log 2>&1
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die() { echo "backup: $*" >&2; exit 2; }

mode=url
url=${DATABASE_URL:-}
dir=${BACKUP_DIR:-./backups}
keep_days=${BACKUP_KEEP_DAYS:-14}
prefix=callwaiting
while [ $# -gt 0 ]; do
  case $1 in
    --compose) mode=compose ;;
    --url) [ $# -ge 2 ] || die "--url needs a value"; url=$2; shift ;;
    --dir) [ $# -ge 2 ] || die "--dir needs a value"; dir=$2; shift ;;
    --keep-days) [ $# -ge 2 ] || die "--keep-days needs a value"; keep_days=$2; shift ;;
    --prefix) [ $# -ge 2 ] || die "--prefix needs a value"; prefix=$2; shift ;;
    -h|--help) usage; exit 0 ;;
    *) die "unknown argument: $1 (see --help)" ;;
  esac
  shift
done
[[ $keep_days =~ ^[0-9]+$ ]] || die "--keep-days must be a whole number of days, got \"$keep_days\""
[[ $prefix =~ ^[A-Za-z0-9._-]+$ ]] || die "--prefix may hold only letters, digits, '.', '_' and '-'"
if [ "$mode" = url ] && [ -z "$url" ]; then die "no database: pass --compose or --url, or set DATABASE_URL"; fi

# The archive holds key hashes and usage records: readable by this user only.
umask 077
mkdir -p "$dir"

# CW_PG_EXEC: how to run a command in the database container. (The tests point it at a local server
# to run the --compose path without Docker.)
read -r -a pg_exec <<<"${CW_PG_EXEC:-docker compose exec -T postgres}"

dump() {
  if [ "$mode" = compose ]; then
    # shellcheck disable=SC2016  # expanded by the container's shell, from the container's environment
    "${pg_exec[@]}" sh -c 'exec pg_dump --format=custom --username="$POSTGRES_USER" --dbname="$POSTGRES_DB"'
  else
    pg_dump --format=custom --dbname="$url"
  fi
}

list() {
  if [ "$mode" = compose ]; then
    "${pg_exec[@]}" pg_restore --list
  else
    pg_restore --list
  fi
}

stamp=$(date -u +%Y%m%dT%H%M%SZ)
final="$dir/$prefix-$stamp.dump"
# Two runs in the same second (a retry, a test) get -1, -2, ...: an archive is never overwritten.
n=0
while [ -e "$final" ]; do n=$((n + 1)); final="$dir/$prefix-$stamp-$n.dump"; done
partial="$dir/.$prefix-$stamp.dump.partial"
trap 'rm -f "$partial"' EXIT

# Written under a hidden name and renamed when complete, so a half-written archive never looks like
# a backup (and is never the newest file a restore would pick).
dump >"$partial"
list <"$partial" >/dev/null || die "the archive just written cannot be read back: $partial"
mv -n "$partial" "$final"
trap - EXIT

if [ "$keep_days" -gt 0 ]; then
  find "$dir" -maxdepth 1 -type f -name "$prefix-*.dump" -mmin +$((keep_days * 1440)) -print -delete |
    sed 's/^/backup: removed old archive /' >&2
  # Leftovers of runs that were killed half-way.
  find "$dir" -maxdepth 1 -type f -name ".$prefix-*.dump.partial" -mmin +1440 -delete
fi

echo "$final"
