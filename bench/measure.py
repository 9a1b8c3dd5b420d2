"""Timed subprocesses and the competitors: dozor CLI, lower bound, OpenSSH xargs, Ansible ad-hoc."""

from __future__ import annotations

import json
import os
import shlex
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from bench.env import BenchEnv

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
PY = sys.executable
DOZOR = str(Path(sys.executable).parent / "dozor")
ANSIBLE_VENV = BENCH / ".venv-ansible"
FORKS = 50


@dataclass
class Timed:
    """One finished subprocess: wall seconds, exit code, peak RSS (MB) and CPU seconds (user + sys)."""

    wall: float
    rc: int
    rss_mb: float
    cpu: float
    stdout: str
    stderr: str


def timed(
    argv: list[str], *, env: dict[str, str] | None = None, stdin: str | None = None, timeout: float = 600
) -> Timed:
    """Run ``argv`` and read its own rusage with ``wait4`` (children it waited for included)."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err, tempfile.TemporaryFile() as inp:
        if stdin is not None:
            inp.write(stdin.encode())
            inp.seek(0)
        t = time.monotonic()
        p = subprocess.Popen(argv, stdin=inp, stdout=out, stderr=err, env=env, cwd=str(ROOT))
        deadline = t + timeout
        while True:
            pid, status, ru = os.wait4(p.pid, os.WNOHANG)
            if pid:
                break
            if time.monotonic() > deadline:
                p.kill()
                pid, status, ru = os.wait4(p.pid, 0)
                break
            time.sleep(0.002)
        wall = time.monotonic() - t
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return Timed(
            wall=wall,
            rc=p.returncode,
            rss_mb=ru.ru_maxrss / 1024,
            cpu=ru.ru_utime + ru.ru_stime,
            stdout=out.read().decode(errors="replace"),
            stderr=err.read().decode(errors="replace"),
        )


def _clean_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "DOZOR_", "ANSIBLE_"))}
    env.update(extra)
    return env


def dozor_cli(env: BenchEnv, n: int, *args: str, cli: bool = False) -> Timed:
    """A cold dozor: new process, new connections (``cli``: with the Engine API turned off)."""
    inv = str(env.inventory(n, cli=cli))
    return timed([DOZOR, "--inventory", inv, "--json", "--no-progress", *args], env=_clean_env())


def capture(env: BenchEnv, n: int, op: str, *extra: str, cli: bool = False) -> dict:
    """In-process dozor run recording its SSH commands, pool stats and bytes (bench/capture.py)."""
    r = timed([PY, "-m", "bench.capture", str(env.inventory(n, cli=cli)), op, *extra], env=_clean_env())
    if r.rc != 0:
        raise RuntimeError(f"bench.capture {op} failed: {r.stderr[-2000:]}")
    return json.loads(r.stdout)


def write_plan(env: BenchEnv, n: int, commands: dict[str, list[str]], name: str) -> Path:
    """The lower bound's plan: hosts of size ``n`` and the commands dozor sent to each."""
    hosts = json.loads(env.hosts_json(n).read_text())
    plan = {
        "user": "root",
        "identity": str(env.key),
        "known_hosts": str(env.known_hosts),
        "hosts": hosts,
        "commands": {a: commands[a] for a in hosts},
    }
    path = env.size_dir(n) / f"plan-{name}.json"
    path.write_text(json.dumps(plan))
    return path


def lower_bound(plan: Path) -> Timed:
    """The minimal asyncssh script as a new process (same footing as the cold CLI)."""
    return timed([PY, "-m", "bench.lower_bound", str(plan)], env=_clean_env())


def engine_api(plan: Path, socket: Path) -> Timed:
    """The stretch probe: status through the Engine API over SSH direct-streamlocal (bench/engine_api.py)."""
    return timed([PY, "-m", "bench.engine_api", str(plan), str(socket)], env=_clean_env())


def openssh_xargs(env: BenchEnv, n: int, commands: dict[str, list[str]]) -> Timed:
    """``xargs -P 50 ssh HOST CMD``: one OpenSSH connection per (host, command), no multiplexing."""
    cdir = env.size_dir(n) / "cmds"
    cdir.mkdir(exist_ok=True)
    files: dict[str, str] = {}
    lines = []
    for alias, cmds in commands.items():
        for c in cmds:
            if c not in files:
                f = cdir / f"c{len(files)}.sh"
                f.write_text(c)
                files[c] = str(f)
            lines.append(f"{alias} {files[c]}\n")
    # Only ssh's own failure (255) fails the run: like the lower bound, a remote command's exit status is
    # its answer (N hosts share ONE engine here, and Docker 20.10 runs one `system df` at a time: the others
    # get "a disk usage operation is already running"). Failed remote commands are counted on stderr.
    script = (
        f'ssh -F {shlex.quote(str(env.ssh_config))} "$0" "$(cat "$1")" >/dev/null; rc=$?; '
        '[ "$rc" -eq 0 ] || echo "@@remote-exit $rc" >&2; [ "$rc" -ne 255 ]'
    )
    return timed(["xargs", "-P", str(FORKS), "-n", "2", "sh", "-c", script], stdin="".join(lines), env=_clean_env())


def ansible_cfg(env: BenchEnv) -> Path:
    """ansible.cfg with pipelining and ControlPersist, host keys checked against the bench known_hosts."""
    a = env.dir / "ansible"
    (a / "tmp").mkdir(parents=True, exist_ok=True)
    (a / "cp").mkdir(exist_ok=True)
    cfg = a / "ansible.cfg"
    cfg.write_text(
        "[defaults]\n"
        f"forks = {FORKS}\n"
        "host_key_checking = True\n"
        "gathering = explicit\n"
        "interpreter_python = /usr/bin/python3\n"
        f"local_tmp = {a / 'tmp'}\n"
        "remote_tmp = /tmp/.dzb-ansible\n"
        "retry_files_enabled = False\n"
        "deprecation_warnings = False\n"
        "[ssh_connection]\n"
        "pipelining = True\n"
        f"ssh_args = -F {env.ssh_config} -o ControlMaster=auto -o ControlPersist=60s\n"
        f"control_path_dir = {a / 'cp'}\n"
    )
    return cfg


def ansible_available() -> bool:
    return (ANSIBLE_VENV / "bin" / "ansible").exists()


def ensure_ansible(log=print) -> None:
    """Install ansible-core into bench/.venv-ansible (not the project venv) when missing."""
    if ansible_available():
        return
    log("installing ansible-core into bench/.venv-ansible …")
    subprocess.run([sys.executable, "-m", "venv", str(ANSIBLE_VENV)], check=True)
    subprocess.run([str(ANSIBLE_VENV / "bin" / "pip"), "install", "-q", "ansible-core"], check=True)


def ansible_adhoc(env: BenchEnv, n: int, commands: list[str]) -> tuple[float, float, int]:
    """``ansible all -m shell -a CMD -f 50`` once per distinct command, one after the other.

    Returns (wall seconds summed, CPU seconds summed, most hosts whose command failed in any one command).
    Arguments go as JSON ``{"_raw_params": ...}`` (a string starting with ``{`` is taken as JSON anyway, and key=value
    parsing is skipped), the command wrapped in ``{% raw %}`` because module arguments are
    Jinja-templated and docker's Go templates would be mistaken for Jinja.
    """
    cfg = ansible_cfg(env)
    wall = cpu = 0.0
    failed = 0
    for c in commands:
        r = timed(
            [
                str(ANSIBLE_VENV / "bin" / "ansible"),
                "all",
                "-i",
                str(env.ansible_inventory(n)),
                "-m",
                "shell",
                "-a",
                json.dumps({"_raw_params": "{% raw %}" + c + "{% endraw %}"}),
                "-f",
                str(FORKS),
                "-o",
            ],
            env=_clean_env(ANSIBLE_CONFIG=str(cfg)),
        )
        # 2: some host's command exited non-zero (its answer, as for the lower bound and xargs); 4 and the
        # rest: unreachable hosts or Ansible's own errors.
        if r.rc not in (0, 2):
            raise RuntimeError(f"ansible exited {r.rc}: {(r.stdout + r.stderr)[-1500:]}")
        wall += r.wall
        cpu += r.cpu
        # One host can print two lines ("| FAILED | rc=1 |" and "| FAILED! => {...}"): count hosts.
        bad = {ln.split(" | ", 1)[0] for ln in r.stdout.splitlines() if " | FAILED" in ln or "UNREACHABLE" in ln}
        failed = max(failed, len(bad))
    return wall, cpu, failed
