#!/bin/sh
# Applies the Once PostgreSQL schema: every NNN_*.sql file next to this script, in file-name order,
# each in its own transaction, stopping at the first error. The files are idempotent, so running
# this again (or after a silo already applied them through PostgresSchema.ApplyAsync) changes nothing.
#
# Usage:  apply.sh [CONNECTION]
#   CONNECTION is a libpq URI (postgresql://user:pass@host:5432/once) or a keyword/value string
#   ("host=db dbname=once user=once"); the default is $ONCE_POSTGRES. ONCE_SQL_DIR overrides where the
#   .sql files are (default: this script's folder).
#
# In the official postgres image, put this script into /docker-entrypoint-initdb.d. With neither an
# argument nor ONCE_POSTGRES, it connects the way the image's own init step does: to $POSTGRES_DB as
# $POSTGRES_USER over the local socket of the temporary init server. A compose service can mount it
# like this (the script must keep its executable bit, or the entrypoint sources it instead):
#
#   db:
#     image: postgres:15.18
#     environment:
#       POSTGRES_DB: once
#       ONCE_SQL_DIR: /once/sql
#     volumes:
#       - ./deploy/sql:/once/sql:ro
#       - ./deploy/sql/apply.sh:/docker-entrypoint-initdb.d/10-once-schema.sh:ro
#
# Mounting ./deploy/sql directly on /docker-entrypoint-initdb.d also works: the entrypoint then runs
# the .sql files itself (without a transaction per file) and this script runs them once more, which
# changes nothing.
set -eu

dir=${ONCE_SQL_DIR:-$(cd "$(dirname "$0")" && pwd)}
target=${1:-${ONCE_POSTGRES:-}}

if [ -n "$target" ]; then
    set -- --dbname="$target"
elif [ -n "${POSTGRES_USER:-}${POSTGRES_DB:-}" ]; then
    # docker-entrypoint-initdb.d: the init server listens only on its Unix socket.
    user=${POSTGRES_USER:-postgres}
    set -- --username="$user" --dbname="${POSTGRES_DB:-$user}"
else
    echo "apply.sh: name the database: apply.sh postgresql://user@host/db, or set ONCE_POSTGRES." >&2
    exit 2
fi

found=0
for file in "$dir"/[0-9][0-9][0-9]_*.sql; do
    [ -e "$file" ] || continue
    found=1
    echo "apply.sh: $(basename "$file")"
    # The advisory lock (the bytes of "once.sql") is the one PostgresSchema.ApplyAsync takes, so this
    # script and starting silos never run DDL at the same time (concurrent CREATE ... IF NOT EXISTS
    # can fail). The "already exists, skipping" notices of a repeated run are not worth printing.
    psql "$@" --no-psqlrc --quiet --set=ON_ERROR_STOP=1 --single-transaction \
        --command="SET LOCAL client_min_messages = warning" \
        --command="SELECT pg_advisory_xact_lock(8029464471870337388)" \
        --file="$file" >/dev/null
done

if [ "$found" -eq 0 ]; then
    echo "apply.sh: no NNN_*.sql files in $dir" >&2
    exit 1
fi
