#!/usr/bin/env bash
# dozor's fleet benchmark, from one command on a fresh Debian 12 machine (as root):
#   bash bench/run.sh [--sizes 1,10,50] [--runs 5] [--skip-ansible] [--keep] ...
# Installs what it needs (apt: python3-venv, docker.io, docker-compose, openssh-server, busybox-static;
# the project venv .venv with dozor; ansible-core into bench/.venv-ansible, never into .venv), then runs
# `python -m bench.run` with the arguments passed through. See bench/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."

have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ] || [ -x "/sbin/$1" ]; }

PY=${PYTHON:-python3}
pkgs=()
have "$PY" || pkgs+=(python3)
"$PY" -c 'import ensurepip, venv' >/dev/null 2>&1 || pkgs+=(python3-venv)
have dockerd || pkgs+=(docker.io)
have docker-compose || pkgs+=(docker-compose)
have sshd || pkgs+=(openssh-server)
have busybox || pkgs+=(busybox-static)
if [ ${#pkgs[@]} -gt 0 ]; then
  apt-get update -q
  DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends "${pkgs[@]}"
fi
if [ ! -x .venv/bin/python ]; then
  "$PY" -m venv .venv
fi
.venv/bin/python -c 'import dozor' >/dev/null 2>&1 || .venv/bin/pip install -q -e '.[test]'
if [ ! -x bench/.venv-ansible/bin/ansible ]; then
  "$PY" -m venv bench/.venv-ansible
  bench/.venv-ansible/bin/pip install -q ansible-core
fi
exec .venv/bin/python -m bench.run "$@"
