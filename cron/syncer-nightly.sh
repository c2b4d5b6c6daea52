#!/usr/bin/env bash
# Nightly wrapper around `syncer sync` for cron and systemd (see cron/README.md).
#
# Settings come from the environment, or from an env file of KEY=value lines:
# $SYNCER_ENV_FILE if set (it must exist then), else /etc/syncer/env when present.
#   SYNCER_CONFIG      the coach config naming the trackers (required)
#   SYNCER_LOG_FILE    where syncer's JSON log lines are appended, one object a line
#                      (default: /var/log/syncer/syncer.log)
#   SYNCER_REPORT_FILE the last run's report for people, replaced each run
#                      (default: last-report.txt beside the log file)
#   SYNCER_DIGEST_DIR  when set, the digest (HTML, CSV, .ics) is written there
#   SYNCER_BIN_DIR     folder holding the `syncer` executable, e.g. a virtualenv's bin/
# Extra arguments are passed on to `syncer sync` (e.g. --today 2024-05-08 or --dry-run).
#
# Exit status is syncer's: 0 ok, 1 some trackers failed, 2 usage or config error,
# 75 another run holds the lock (cron may simply try again next night).
set -euo pipefail

readonly EXIT_CONFIG=2
program="$(basename "$0")"

if [[ -n "${SYNCER_ENV_FILE:-}" ]]; then
    env_file="$SYNCER_ENV_FILE"
    if [[ ! -r "$env_file" ]]; then
        echo "$program: env file $env_file (SYNCER_ENV_FILE) is missing or unreadable" >&2
        exit "$EXIT_CONFIG"
    fi
else
    env_file=/etc/syncer/env
fi
if [[ -r "$env_file" ]]; then
    set -a
    # shellcheck source=/dev/null
    source "$env_file"
    set +a
fi

# cron starts jobs with a bare PATH: put the usual install places first.
PATH="${SYNCER_BIN_DIR:+$SYNCER_BIN_DIR:}${HOME:+$HOME/.local/bin:}/usr/local/bin:/usr/bin:/bin${PATH:+:$PATH}"
export PATH

if [[ -z "${SYNCER_CONFIG:-}" ]]; then
    echo "$program: SYNCER_CONFIG is not set (put it in $env_file)" >&2
    exit "$EXIT_CONFIG"
fi

log_file="${SYNCER_LOG_FILE:-/var/log/syncer/syncer.log}"
mkdir -p "$(dirname "$log_file")"
report_file="${SYNCER_REPORT_FILE:-$(dirname "$log_file")/last-report.txt}"

arguments=(sync --config "$SYNCER_CONFIG" --log-format json)
if [[ -n "${SYNCER_DIGEST_DIR:-}" ]]; then
    arguments+=(--digest "$SYNCER_DIGEST_DIR")
fi
arguments+=("$@")

status=0
# stdout is the report people read; stderr the JSON log lines (nothing else goes there).
syncer "${arguments[@]}" </dev/null >"$report_file" 2>>"$log_file" || status=$?

case "$status" in
    0) outcome="ok"; message="all trackers synced" ;;
    1) outcome="partial"; message="some trackers failed: see the digest and the log" ;;
    2) outcome="config-error"; message="usage or config error: check SYNCER_CONFIG and the log" ;;
    75) outcome="locked"; message="skipped: another syncer run holds the lock" ;;
    127) outcome="not-found"; message="the syncer command was not found: set SYNCER_BIN_DIR" ;;
    *) outcome="error"; message="syncer stopped with unexpected status $status" ;;
esac

# One JSON line like syncer's own, so the log stays machine-readable (the path JSON-escaped).
report_json="${report_file//\\/\\\\}"
report_json="${report_json//\"/\\\"}"
printf '{"time": "%s", "level": "%s", "logger": "syncer-nightly", "message": "%s", "event": "run finished", "outcome": "%s", "exit_code": %d, "report": "%s"}\n' \
    "$(date -u +%Y-%m-%dT%H:%M:%S+00:00)" "$([[ $status -eq 0 ]] && echo info || echo error)" \
    "$message" "$outcome" "$status" "$report_json" >>"$log_file"
if [[ "$status" -ne 0 ]]; then
    # Only failures print: cron mails any output, so a quiet success sends no mail.
    echo "$program: $message (exit $status; log: $log_file)" >&2
fi
exit "$status"
