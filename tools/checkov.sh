#!/usr/bin/env bash
# Run checkov from its own venv (.venv-checkov), creating it from requirements/checkov.txt on demand.
# Usage: tools/checkov.sh [--install-only] [DIR...]   (default: modules and environments)
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=.venv-checkov
PYTHON=${PYTHON:-python3}
if [[ ! -x $VENV/bin/checkov || requirements/checkov.txt -nt $VENV/.installed ]]; then
  "$PYTHON" -m venv "$VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -r requirements/checkov.txt
  touch "$VENV/.installed"
fi
[[ ${1:-} == --install-only ]] && exit 0
dirs=("$@")
[[ ${#dirs[@]} -eq 0 ]] && dirs=(modules environments examples)
# One run per directory: checkov merges several --directory arguments into confusing totals.
status=0
for d in "${dirs[@]}"; do
  echo "== checkov $d"
  "$VENV/bin/checkov" --framework terraform --quiet --compact --skip-download \
    --download-external-modules false --directory "$d" || status=1
done
exit $status
