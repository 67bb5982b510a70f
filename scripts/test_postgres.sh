#!/usr/bin/env bash
# A throwaway PostgreSQL server for the end-to-end tests, started the same way in CI and locally.
#
#   eval "$(scripts/test_postgres.sh start)"   # prints `export TAP_CLOCKIFY_TEST_PG_*=...` lines
#   make check && .venv/bin/pytest             # the PostgreSQL tests now run instead of skipping
#   scripts/test_postgres.sh stop              # stops it and removes its data directory
#
# `start` installs PostgreSQL from Debian's packages when no server binaries are found
# (apt-get, so root or sudo), runs initdb in a new temporary directory as the `postgres`
# OS user (or as you, when not root), and listens on 127.0.0.1 only, on a free port
# (or TAP_CLOCKIFY_TEST_PG_PORT), with password authentication. Durability is turned
# off: the data is disposable. Everything but the export lines goes to stderr.
set -euo pipefail

pg_bindir() {
    # Debian keeps server binaries per major version (clients share the directory); take
    # the newest version that has the server.
    find /usr/lib/postgresql -mindepth 3 -maxdepth 3 -path '*/bin/initdb' 2>/dev/null \
        | sort -V | tail -n 1 | xargs -r dirname
}

install_postgres() {
    echo "PostgreSQL server binaries not found: installing Debian's postgresql package." >&2
    local sudo=()
    if [ "$(id -u)" -ne 0 ]; then
        command -v sudo >/dev/null || { echo "need root or sudo to install PostgreSQL" >&2; exit 1; }
        sudo=(sudo)
    fi
    "${sudo[@]}" apt-get update -qq >&2
    "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
}

as_db_user() {
    # PostgreSQL refuses to run as root; the Debian package creates the `postgres` user.
    if [ "$(id -u)" -eq 0 ]; then
        runuser -u postgres -- "$@"
    else
        "$@"
    fi
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

start() {
    local bindir
    bindir="$(pg_bindir)"
    if [ -z "$bindir" ]; then
        install_postgres
        bindir="$(pg_bindir)"
    fi
    local dir port password
    dir="$(mktemp -d "${TMPDIR:-/tmp}/tap-clockify-pg.XXXXXX")"
    port="${TAP_CLOCKIFY_TEST_PG_PORT:-$(free_port)}"
    password="$(od -An -N12 -tx1 /dev/urandom | tr -d ' \n')"
    printf '%s\n' "$password" >"$dir/pwfile"
    if [ "$(id -u)" -eq 0 ]; then
        chown -R postgres: "$dir"
    fi
    as_db_user "$bindir/initdb" --pgdata="$dir/data" --username=postgres --pwfile="$dir/pwfile" \
        --auth-local=trust --auth-host=scram-sha-256 --encoding=UTF8 --locale=C >/dev/null
    rm -f "$dir/pwfile"
    as_db_user "$bindir/pg_ctl" --pgdata="$dir/data" --log="$dir/server.log" --wait --silent \
        -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$dir" \
        -o "-c fsync=off -c synchronous_commit=off -c full_page_writes=off" start >&2
    echo "PostgreSQL $("$bindir/postgres" --version | awk '{print $3}') on 127.0.0.1:$port, data in $dir" >&2
    cat <<EOF
export TAP_CLOCKIFY_TEST_PG_HOST=127.0.0.1
export TAP_CLOCKIFY_TEST_PG_PORT=$port
export TAP_CLOCKIFY_TEST_PG_USER=postgres
export TAP_CLOCKIFY_TEST_PG_PASSWORD=$password
export TAP_CLOCKIFY_TEST_PG_DATABASE=postgres
export TAP_CLOCKIFY_TEST_PG_DIR=$dir
EOF
}

stop() {
    local dir="${TAP_CLOCKIFY_TEST_PG_DIR:?run start first (or set TAP_CLOCKIFY_TEST_PG_DIR)}"
    if [ -f "$dir/data/postmaster.pid" ]; then
        as_db_user "$(pg_bindir)/pg_ctl" --pgdata="$dir/data" --mode=fast --wait --silent stop >&2
    fi
    rm -rf "$dir"
}

case "${1:-}" in
    start) start ;;
    stop) stop ;;
    *) echo "usage: $0 start|stop" >&2; exit 2 ;;
esac
