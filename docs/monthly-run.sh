#!/bin/sh
# The monthly publication run, for cron or a CI job: build the release quietly from the raw data
# folder, keep the last release (reports/releases/), and exit with heenb's status so the
# scheduler alerts when the run published less than asked. Any arguments go to `heenb build`.
#
#   0  every selected report was built or is up to date
#   1  the run published less: a report skipped or failed, data changed, or the lock lost
#   2  refused before building (plan, catalogue, data or another build)
#
# Settings: HEENB_DATA (the raw data folder; default data/demo), REPORTS (default reports).
set -u
cd "$(dirname "$0")/.." || exit 2
.venv/bin/heenb build --quiet --out "${REPORTS:-reports}" "$@"
status=$?
case $status in
  0) ;;
  1) echo "heenb monthly run: published less than asked; see ${REPORTS:-reports}/outcome.json" >&2 ;;
  *) echo "heenb monthly run: refused or stopped (exit $status); nothing new was published" >&2 ;;
esac
exit $status
