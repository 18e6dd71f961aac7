#!/usr/bin/env bash
# Makes the Python virtual environment the benchmark runs Flask + Authlib from (the packages
# pinned in bench/flask-authlib/requirements.txt, from PyPI), unless it is there already.
# Usage: scripts/flask-authlib-venv.sh [DIR]   (default target/flask-authlib-venv)
set -euo pipefail
cd "$(dirname "$0")/.."

venv=${1:-target/flask-authlib-venv}
requirements=bench/flask-authlib/requirements.txt
if [ -x "$venv/bin/gunicorn" ] && [ "$venv/installed.txt" -nt "$requirements" ]; then
  exit 0
fi
echo "==> making $venv for Flask + Authlib"
python3 -m venv "$venv"
"$venv/bin/pip" install --quiet --disable-pip-version-check -r "$requirements"
cp "$requirements" "$venv/installed.txt"
