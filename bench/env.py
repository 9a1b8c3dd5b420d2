"""The bench environment: ONE Docker engine with a small compose project, N sshd hosts sharing it.

Everything lives under one directory (default ``/tmp/dzb``, never the test fleet's ``/tmp/dzf``)::

    DIR/eng1/                  dockerd (socket DIR/eng1/docker.sock)
    DIR/project/               docker-compose.yml of the bench project
    DIR/id_ed25519[.pub]       client key, authorised on every host
    DIR/hNNN/                  sshd NNN: sshd_config, own host key, sshd.pid, sshd.log, home/ (clean HOME)
    DIR/known_hosts            every host key
    DIR/ssh_config             OpenSSH aliases bNNN (for ssh and Ansible)
    DIR/n{N}/                  per size: fleet.toml (dozor), hosts.ini (Ansible), hosts.txt (aliases)

Hosts listen on 127.0.2.K:22 (K = 1..N), away from the test fleet's 127.0.0.x; with ``SUBNET`` set to a /16
prefix such as ``127.1.`` (two dots) host K listens on 127.1.B.H (B = (K-1) // 250, H = (K-1) % 250 + 1), so
the fleet can grow past 250 hosts (``bench/scale.py``; the test fleets use 127.0.2-201.x, never 127.1.x).
sshd keeps OpenSSH's defaults for ``MaxStartups`` and ``MaxSessions``. ``SetEnv`` gives every exec a clean HOME and
``DOCKER_HOST`` of the shared engine, as the test fleet does (its helpers are reused for the engine,
the busybox image and the teardown).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from tests.fleet import fleet as tf

IMAGE = tf.IMAGE
PROJECT = "benchapp"
CHATTY_LINES = 20_000
CHATTY_ERROR_EVERY = 100  # 1 % error lines
SUBNET = "127.0.2."
MAX_HOSTS = 250
"""Hosts a /24 ``SUBNET`` (``127.0.2.``) holds; a /16 one (``127.1.``) holds ``MAX_WIDE_HOSTS``."""
MAX_WIDE_HOSTS = 250 * 256


def _sh(script: str) -> str:
    return json.dumps(script.replace("$", "$$"))


# The diagnosis reads each running service's last 200 lines within the last 15 minutes: every service that
# logs keeps at least 200 lines in that window for the whole run (app: 200 lines at start, then one every
# 4 s; chatty: its 20k-line burst, then one line every 2 s of the same mix), so the bytes of log a diagnosis
# reads do not drift with the age of the environment (N=200 runs 20+ minutes after start-up).
_APP = (
    'trap "exit 0" TERM INT; echo "app listening on :8080"; i=0; '
    "while [ $i -lt 200 ]; do i=$((i+1)); "
    'echo "$(date -u +%FT%TZ) INFO request handled path=/v1/orders status=200"; done; '
    'while true; do echo "$(date -u +%FT%TZ) INFO request handled path=/v1/orders status=200"; '
    "sleep 4 & wait $!; done"
)
_SIDECAR = 'trap "exit 0" TERM INT; echo "sidecar ready"; while true; do sleep 60 & wait $!; done'
# 20k realistic lines, 1 % of them errors, then one line every 2 s: the error-sparse log for `logs -e`.
_CHATTY_LINE = (
    f"i=$((i+1)); if [ $((i % {CHATTY_ERROR_EVERY})) -eq 0 ]; then "
    'echo "2026-01-01T00:00:00Z ERROR order=$i upstream connection refused to payments:443 after 3 retries"; '
    'else echo "10.0.0.$((i % 250 + 1)) - - [01/Jan/2026:00:00:00 +0000] '
    '\\"GET /products/$i HTTP/1.1\\" 200 $((i * 37 % 5000 + 200)) \\"-\\" \\"Mozilla/5.0 (X11; Linux x86_64)\\""; fi; '
)
_CHATTY = (
    'trap "exit 0" TERM INT; i=0; '
    f"while [ $i -lt {CHATTY_LINES} ]; do {_CHATTY_LINE}done; "
    f"while true; do {_CHATTY_LINE}sleep 2 & wait $!; done"
)

COMPOSE = (
    'version: "2.4"\nservices:\n'
    + "\n".join(
        f"  {name}:\n    image: {IMAGE}\n    network_mode: none\n    restart: always\n"
        f'    stop_grace_period: 1s\n    command: ["sh", "-c", {_sh(cmd)}]'
        for name, cmd in (("app", _APP), ("sidecar", _SIDECAR), ("chatty", _CHATTY))
    )
    + "\n"
)


@dataclass
class BenchEnv:
    """Paths of a running bench environment."""

    dir: Path
    hosts: int

    @property
    def sock(self) -> Path:
        return tf._engine_paths(self.dir, 1)["sock"]

    @property
    def key(self) -> Path:
        return self.dir / "id_ed25519"

    @property
    def known_hosts(self) -> Path:
        return self.dir / "known_hosts"

    @property
    def ssh_config(self) -> Path:
        return self.dir / "ssh_config"

    def address(self, i: int) -> str:
        return address(i)

    def alias(self, i: int) -> str:
        return f"b{i:03d}"

    def size_dir(self, n: int) -> Path:
        return self.dir / f"n{n}"

    def inventory(self, n: int, *, cli: bool = False) -> Path:
        """dozor's inventory for ``n`` hosts; ``cli=True``: the same with ``engine_api = false`` (CLI path)."""
        return self.size_dir(n) / ("fleet-cli.toml" if cli else "fleet.toml")

    def ansible_inventory(self, n: int) -> Path:
        return self.size_dir(n) / "hosts.ini"

    def host_list(self, n: int) -> Path:
        return self.size_dir(n) / "hosts.txt"

    def hosts_json(self, n: int) -> Path:
        return self.size_dir(n) / "hosts.json"


def max_hosts() -> int:
    """How many hosts ``SUBNET`` holds: 250 in a /24 prefix (``127.0.2.``), 64,000 in a /16 one (``127.1.``)."""
    return MAX_HOSTS if SUBNET.count(".") == 3 else MAX_WIDE_HOSTS


def address(i: int) -> str:
    """Host ``i``'s (1-based) loopback address in ``SUBNET``."""
    if SUBNET.count(".") == 3:
        return f"{SUBNET}{i}"
    return f"{SUBNET}{(i - 1) // 250}.{(i - 1) % 250 + 1}"


# ------------------------------------------------------------------------------------------- bring up


def _sshd_config(env: BenchEnv, i: int) -> Path:
    h = env.dir / f"h{i:03d}"
    home = h / "home"
    home.mkdir(parents=True, exist_ok=True)
    docker_host = f"unix://{env.sock}"
    (home / ".profile").write_text(f"export HOME={home}\nexport DOCKER_HOST={docker_host}\n")
    cfg = h / "sshd_config"
    cfg.write_text(
        f"ListenAddress {env.address(i)}:22\n"
        f"HostKey {h / 'ssh_host_ed25519_key'}\n"
        f"PidFile {h / 'sshd.pid'}\n"
        f"AuthorizedKeysFile {env.key}.pub\n"
        "PermitRootLogin prohibit-password\nPubkeyAuthentication yes\nPasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\nUsePAM no\nStrictModes no\nPrintMotd no\nPrintLastLog no\nUseDNS no\n"
        # MaxStartups / MaxSessions deliberately left at OpenSSH's defaults (10:30:100 / 10).
        f"SetEnv HOME={home} DOCKER_HOST={docker_host}\n"
    )
    return cfg


def _write_size_files(env: BenchEnv, n: int) -> None:
    d = env.size_dir(n)
    d.mkdir(parents=True, exist_ok=True)
    q = json.dumps
    inv = [
        "# dozor inventory of the bench fleet (generated by bench/env.py)",
        "[defaults]",
        'user = "root"',
        f"identity_files = [{q(str(env.key))}]",
        f"known_hosts_files = [{q(str(env.known_hosts))}]",
        f"state_dir = {q(str(env.dir / 'state'))}",
        "ssh_config = []",
        "",
        "[defaults.timeouts]",
        "connect = 10",
        "command = 20",
        "host = 60",
        "fleet = 180",
        "",
    ]
    for i in range(1, n + 1):
        inv += [f"[hosts.{env.alias(i)}]", f"address = {q(env.address(i))}", "port = 22", ""]
    env.inventory(n).write_text("\n".join(inv))
    env.inventory(n, cli=True).write_text("\n".join(inv).replace("[defaults]\n", "[defaults]\nengine_api = false\n", 1))
    env.ansible_inventory(n).write_text(
        "[bench]\n"
        + "".join(f"{env.alias(i)}\n" for i in range(1, n + 1))
        + "\n[bench:vars]\nansible_user=root\nansible_python_interpreter=/usr/bin/python3\n"
    )
    env.host_list(n).write_text("".join(f"{env.alias(i)}\n" for i in range(1, n + 1)))
    env.hosts_json(n).write_text(
        json.dumps({env.alias(i): {"address": env.address(i), "port": 22} for i in range(1, n + 1)})
    )


def _write_ssh_config(env: BenchEnv, n: int) -> None:
    lines = []
    for i in range(1, n + 1):
        lines += [
            f"Host {env.alias(i)}",
            f"  HostName {env.address(i)}",
            "  User root",
            f"  IdentityFile {env.key}",
            "  IdentitiesOnly yes",
            f"  UserKnownHostsFile {env.known_hosts}",
            "  StrictHostKeyChecking yes",
            "  BatchMode yes",
            "  ConnectTimeout 10",
            "",
        ]
    env.ssh_config.write_text("\n".join(lines))


def up(d: Path, n_hosts: int, sizes: list[int], log=print) -> BenchEnv:
    """Start the engine, the compose project and ``n_hosts`` sshd; write inventories for every size."""
    if n_hosts > max_hosts():
        raise ValueError(f"at most {max_hosts()} hosts in {SUBNET} (a /16 prefix such as 127.1. holds more)")
    problems = tf.check_prerequisites()
    if problems:
        tf.install_packages()
    down(d)
    d.mkdir(parents=True, exist_ok=True)
    d.chmod(0o755)
    env = BenchEnv(d, n_hosts)
    t0 = time.monotonic()
    tf._start_engine(d, 1)
    tar = tf._build_image_tar(d)
    tf._keygen(env.key, "dozor-bench-client")
    (d / "state").mkdir(exist_ok=True)
    kh = []
    for i in range(1, n_hosts + 1):
        h = d / f"h{i:03d}"
        h.mkdir(exist_ok=True)
        pub = tf._keygen(h / "ssh_host_ed25519_key", f"bench-{i}")
        kh.append(f"{env.address(i)} ssh-ed25519 {pub}\n")
        _sshd_config(env, i)
    env.known_hosts.write_text("".join(kh))
    _write_ssh_config(env, n_hosts)
    for n in sorted({1, *sizes}):  # N=1 always: the log-bytes measurement uses one host
        _write_size_files(env, n)
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    sshd = shutil.which("sshd", path=tf._path()) or "/usr/sbin/sshd"
    for i in range(1, n_hosts + 1):
        h = d / f"h{i:03d}"
        tf._run([sshd, "-f", str(h / "sshd_config"), "-E", str(h / "sshd.log")])
    tf._wait_engine(d, 1)
    tf._load_image(env.sock, tf._image_archive(d, tar))  # the fleet loads a saved archive, not the rootfs
    pdir = d / "project"
    pdir.mkdir(exist_ok=True)
    (pdir / "docker-compose.yml").write_text(COMPOSE)
    base = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
    tf._run(
        ["docker-compose", "-p", PROJECT, "-f", str(pdir / "docker-compose.yml"), "up", "-d"],
        env={**base, "DOCKER_HOST": f"unix://{env.sock}"},
        cwd=str(pdir),
        timeout=180,
    )
    for i in range(1, n_hosts + 1):
        tf._wait(f"sshd {env.address(i)}", lambda i=i: tf._ssh_banner(env.address(i), 22), timeout=15)
    _wait_chatty(env)
    log(f"bench env up in {time.monotonic() - t0:.1f}s: 1 engine, {n_hosts} sshd hosts under {d}")
    return env


def _wait_chatty(env: BenchEnv, timeout: float = 120) -> None:
    """Wait until the chatty service has printed all its lines."""

    def done() -> bool:
        r = subprocess.run(
            ["docker", "-H", f"unix://{env.sock}", "logs", "--tail", "1", f"{PROJECT}_chatty_1"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        ids = subprocess.run(
            ["docker", "-H", f"unix://{env.sock}", "logs", f"{PROJECT}_chatty_1"],
            capture_output=True,
            text=True,
            timeout=30,
        )
        return r.returncode == 0 and ids.stdout.count("\n") >= CHATTY_LINES

    tf._wait("chatty service to print its log", done, timeout=timeout, interval=0.5)


def down(d: Path) -> None:
    """Stop every sshd, the engine, containerd and containers the bench started; remove the directory."""
    if not d.exists():
        return
    for pidf in d.glob("h*/sshd.pid"):
        tf._kill_pid(tf._read_pid(pidf), timeout=5)
    # The test fleet's teardown handles engine 1, leftover daemons naming DIR/ and mounts under DIR/.
    tf._down(d)


def main() -> None:
    """``python -m bench.env up N [DIR]`` / ``python -m bench.env down [DIR]`` (for poking at the bench by hand)."""
    import sys

    cmd = sys.argv[1] if len(sys.argv) > 1 else ""
    if cmd == "up":
        n = int(sys.argv[2])
        up(Path(sys.argv[3] if len(sys.argv) > 3 else "/tmp/dzb"), n, [n])
    elif cmd == "down":
        down(Path(sys.argv[2] if len(sys.argv) > 2 else "/tmp/dzb"))
    else:
        raise SystemExit("usage: python -m bench.env up N [DIR] | down [DIR]")


if __name__ == "__main__":
    main()
