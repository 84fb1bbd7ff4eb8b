#!/usr/bin/env bash
# report.sh LOGFILE: summarize a harness console log (see lib.sh, t_report).
# Last line: "N passed, M failed"; exit 1 if anything failed or no results.
set -euo pipefail
[ $# -eq 1 ] || { echo "usage: $0 LOGFILE" >&2; exit 2; }
# shellcheck source=tests/harness/lib.sh
. "$(dirname "$0")/lib.sh"
t_report "$1"
