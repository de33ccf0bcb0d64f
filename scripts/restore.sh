#!/usr/bin/env bash
# Restore an archive made by scripts/backup.sh into a database of its own.
#
#   scripts/restore.sh [--compose | --url URL] [--replace] ARCHIVE TARGET_DB
#
# The archive goes into TARGET_DB, which this script creates; the live database is never touched.
# Check the restored data, then point the service at it (POSTGRES_DB or DATABASE_URL in .env, then
# `docker compose up -d tts`) or swap the names (see docs/deployment.md, "Backups").
#
# Which server:
#   --compose     the `postgres` service of docker-compose.yml: psql and pg_restore run inside that
#                 container as its POSTGRES_USER; the archive is streamed in from this machine.
#   --url URL     any PostgreSQL server, with this machine's psql and pg_restore. The URL names a
#                 database to connect to for CREATE DATABASE (e.g. .../postgres); its user becomes the
#                 owner of everything restored.
#   (neither)     the URL in $DATABASE_URL.
#
#   --replace     drop TARGET_DB first if it exists (its sessions are ended). Without it an existing
#                 database is an error, so a typo cannot overwrite data.
#
# The restore is one transaction (--single-transaction, --exit-on-error): it lands completely or not
# at all, and on failure the new database is dropped again. Ownership and grants in the archive are
# not replayed (--no-owner --no-acl), so an archive from one server restores on another.
set -euo pipefail

usage() { sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"; }
die() { echo "restore: $*" >&2; exit 2; }

mode=url
url=${DATABASE_URL:-}
replace=false
args=()
while [ $# -gt 0 ]; do
  case $1 in
    --compose) mode=compose ;;
    --url) [ $# -ge 2 ] || die "--url needs a value"; url=$2; shift ;;
    --replace) replace=true ;;
    -h|--help) usage; exit 0 ;;
    -*) die "unknown option: $1 (see --help)" ;;
    *) args+=("$1") ;;
  esac
  shift
done
[ ${#args[@]} -eq 2 ] || die "usage: restore.sh [--compose | --url URL] [--replace] ARCHIVE TARGET_DB"
archive=${args[0]}
target=${args[1]}
if [ ! -f "$archive" ] || [ ! -r "$archive" ]; then die "cannot read $archive"; fi
# A plain identifier, so it can be quoted into SQL safely.
[[ $target =~ ^[a-z_][a-z0-9_]{0,62}$ ]] || die "TARGET_DB must be a lower-case identifier (a-z, 0-9, _), got \"$target\""
if [ "$mode" = url ] && [ -z "$url" ]; then die "no server: pass --compose or --url, or set DATABASE_URL"; fi

read -r -a pg_exec <<<"${CW_PG_EXEC:-docker compose exec -T postgres}"

# The same URL with TARGET_DB as its database (query parameters such as sslmode are kept).
target_url() {
  local base=${url%%\?*} query=${url#"${url%%\?*}"}
  local rest=${base#*://}
  [[ $rest == */* ]] || die "the URL must name a database (…/postgres)"
  echo "${base%/*}/$target$query"
}

sql() {
  if [ "$mode" = compose ]; then
    # shellcheck disable=SC2016  # expanded by the container's shell, from the container's environment
    "${pg_exec[@]}" sh -c 'exec psql --username="$POSTGRES_USER" --dbname=postgres -X -q -v ON_ERROR_STOP=1 -tA -c "$1"' sh "$1"
  else
    psql --dbname="$url" -X -q -v ON_ERROR_STOP=1 -tA -c "$1"
  fi
}

restore() {
  local opts='--no-owner --no-acl --exit-on-error --single-transaction'
  if [ "$mode" = compose ]; then
    "${pg_exec[@]}" sh -c "exec pg_restore $opts --username=\"\$POSTGRES_USER\" --dbname=\"\$1\"" sh "$target"
  else
    # shellcheck disable=SC2086
    pg_restore $opts --dbname="$(target_url)"
  fi
}

list() {
  if [ "$mode" = compose ]; then "${pg_exec[@]}" pg_restore --list; else pg_restore --list; fi
}

list <"$archive" >/dev/null || die "$archive is not a pg_dump custom-format archive"

exists=$(sql "SELECT 1 FROM pg_database WHERE datname = '$target'")
if [ "$exists" = 1 ]; then
  $replace || die "database $target already exists (pass --replace to drop it first)"
  echo "restore: dropping the existing database $target" >&2
  sql "DROP DATABASE \"$target\" WITH (FORCE)"
fi

sql "CREATE DATABASE \"$target\""
if ! restore <"$archive"; then
  sql "DROP DATABASE IF EXISTS \"$target\"" || true
  die "pg_restore failed; nothing was restored and $target was dropped again"
fi
echo "restore: $archive restored into database $target" >&2
