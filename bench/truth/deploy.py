"""Putting the catalogue on the test fleet: compose files, images, an inventory, up, settle, down.

The catalogue runs as extra compose projects on two hosts of the test fleet (``tests/fleet``), started with
the host engine's own ``docker-compose`` (v1, the fleet's), from ``DIR/truth/<host>/<project>/``. The
inventory ``DIR/truth.toml`` is the fleet's own plus one ``[[hosts.X.projects]]`` entry per catalogue
project (no service list: every service of the project is declared, as a user listing the project does).
"""

from __future__ import annotations

import json
import os
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

from bench.truth.model import Catalogue, Svc
from tests.fleet import fleet as tf

SETTLE_MIN = 75.0  # running services need a minute of log; crash loops need >= 3 restarts
SETTLE_MAX = 180.0


def _yaml_str(text: str) -> str:
    """A YAML double-quoted scalar, ``$`` doubled for compose's interpolation."""
    return json.dumps(text.replace("$", "$$"))


def service_yaml(s: Svc) -> str:
    """One compose service (file format 2.4, which carries mem_limit and healthchecks)."""
    lines = [f"  {s.name}:", f"    image: {s.image}", f"    network_mode: {s.network}",
             f'    restart: "{s.restart}"', "    stop_grace_period: 2s"]
    if s.entrypoint:
        lines.append(f"    entrypoint: [{', '.join(_yaml_str(a) for a in s.entrypoint)}]")
    else:
        lines.append(f'    command: ["sh", "-c", {_yaml_str(s.script)}]')
    if s.mem_limit:
        lines += [f"    mem_limit: {s.mem_limit}", f"    memswap_limit: {s.mem_limit}"]
    if s.user:
        lines.append(f'    user: "{s.user}"')
    if s.read_only:
        lines.append("    read_only: true")
    if s.tmpfs:
        lines.append("    tmpfs:")
        lines += [f"      - {_yaml_str(t)}" for t in s.tmpfs]
    if s.environment:
        lines.append("    environment:")
        lines += [f"      {k}: {_yaml_str(v)}" for k, v in s.environment]
    if s.depends_on:
        lines.append("    depends_on:")
        lines += [f"      - {d}" for d in s.depends_on]
    if s.health:
        lines += ["    healthcheck:", f"      test: [\"CMD\", {', '.join(_yaml_str(a) for a in s.health)}]",
                  f"      interval: {s.health_interval}", "      timeout: 2s", "      retries: 3"]
    return "\n".join(lines)


def compose_text(services: list[Svc]) -> str:
    """A whole compose file for one project."""
    return 'version: "2.4"\nservices:\n' + "\n".join(service_yaml(s) for s in services) + "\n"


@dataclass
class Deployment:
    """Where the catalogue lives on a running fleet."""

    info: tf.FleetInfo
    root: Path  # DIR/truth
    inventory: Path  # DIR/truth.toml

    def project_dir(self, host: str, project: str) -> Path:
        """Directory of one project's compose file."""
        return self.root / host / project

    def container(self, project: str, service: str) -> str:
        """Compose v1's container name."""
        return f"{project}_{service}_1"


def deployment(fleet_dir: str | os.PathLike) -> Deployment:
    """The deployment paths for the fleet in ``fleet_dir`` (the fleet must have been brought up)."""
    info = tf.load_info(fleet_dir)
    d = Path(info.dir)
    return Deployment(info=info, root=d / "truth", inventory=d / "truth.toml")


def write_inventory(dep: Deployment, cat: Catalogue) -> None:
    """The fleet's inventory plus the catalogue's projects (array-of-tables entries appended)."""
    text = Path(dep.info.inventory).read_text()
    extra = ["", "# the truth catalogue's projects (bench/truth)"]
    for host, project in cat.projects():
        extra += [f"[[hosts.{host}.projects]]", f'name = "{project}"',
                  f"path = {json.dumps(str(dep.project_dir(host, project)))}", ""]
    dep.inventory.write_text(text + "\n".join(extra) + "\n")


def _compose(dep: Deployment, host: str, project: str, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    h = dep.info.hosts[host]
    env = {k: v for k, v in os.environ.items() if not k.startswith(("DOCKER_", "COMPOSE_"))}
    pdir = dep.project_dir(host, project)
    return subprocess.run(["docker-compose", "-p", project, "-f", str(pdir / "docker-compose.yml"), *args],
                          cwd=pdir, env={**env, **h.env}, capture_output=True, text=True, timeout=timeout,
                          stdin=subprocess.DEVNULL)


def up(dep: Deployment, cat: Catalogue) -> list[str]:
    """Tag the images, write the compose files and the inventory, start every project.

    Returns compose's complaints (a project whose entrypoint cannot start makes ``up`` fail for that
    container; the others run): the caller prints them.
    """
    problems = cat.check()
    if problems:
        raise tf.FleetError("catalogue: " + "; ".join(problems))
    notes: list[str] = []
    projects = cat.projects()
    for host in sorted({h for h, _ in projects}):
        for s in [s for (h, _), ss in projects.items() if h == host for s in ss]:
            dep.info.docker(host, "tag", tf.IMAGE, s.image)
    for (host, project), services in projects.items():
        pdir = dep.project_dir(host, project)
        pdir.mkdir(parents=True, exist_ok=True)
        (pdir / "docker-compose.yml").write_text(compose_text(services))
    write_inventory(dep, cat)
    for (host, project) in projects:
        r = _compose(dep, host, project, "up", "-d", "--remove-orphans")
        if r.returncode != 0:
            notes.append(f"{host}/{project}: docker-compose up exited {r.returncode}: "
                         + (r.stderr or r.stdout).strip().splitlines()[-1][:300])
    return notes


def down(dep: Deployment, cat: Catalogue) -> None:
    """Remove every catalogue project (containers; the images stay, they are tags of the fleet's image)."""
    for (host, project) in cat.projects():
        if (dep.project_dir(host, project) / "docker-compose.yml").exists():
            _compose(dep, host, project, "down", "--remove-orphans", "-t", "2")


def inspect(dep: Deployment, host: str, names: list[str]) -> dict[str, dict]:
    """docker inspect of the named containers on one host (missing ones left out)."""
    r = dep.info.docker(host, "inspect", *names, check=False)
    try:
        data = json.loads(r.stdout or "[]")
    except json.JSONDecodeError:
        return {}
    return {c["Name"].lstrip("/"): c for c in data}


def _manifested(s: Svc, c: dict | None) -> bool:
    """Whether the service's fault (or health) shows in its container state yet."""
    if c is None:
        return True  # never created (a wrong entrypoint may leave nothing): nothing to wait for
    st = c["State"]
    codes = s.state.codes if s.state else ()
    if "oom_killed" in codes:
        return bool(st.get("OOMKilled"))
    if "crash_loop" in codes:
        return c.get("RestartCount", 0) >= 3 or st.get("Status") in ("created", "exited")
    if "unhealthy" in codes:
        return (st.get("Health") or {}).get("Status") == "unhealthy"
    if s.health:
        return (st.get("Health") or {}).get("Status") == "healthy"
    return True


def settle(dep: Deployment, cat: Catalogue, *, minimum: float = SETTLE_MIN, maximum: float = SETTLE_MAX,
           log=print) -> list[str]:
    """Wait until every fault shows (at least ``minimum`` s, at most ``maximum``); re-run an OOM kill that the
    engine missed (cgroup v1: exit 137 without ``OOMKilled``, as the fleet does). Returns what never showed."""
    start = time.monotonic()
    replays: dict[str, int] = {}
    by_host: dict[str, list[tuple[str, Svc]]] = {}
    for (host, project), services in cat.projects().items():
        by_host.setdefault(host, []).extend((dep.container(project, s.name), s) for s in services)
    while True:
        waiting: list[str] = []
        for host, pairs in by_host.items():
            got = inspect(dep, host, [n for n, _ in pairs])
            for name, s in pairs:
                c = got.get(name)
                if c is not None and s.state and "oom_killed" in s.state.codes:
                    st = c["State"]
                    missed = st.get("Status") == "exited" and st.get("ExitCode") == 137 and not st.get("OOMKilled")
                    if missed and replays.get(name, 0) < 3:
                        replays[name] = replays.get(name, 0) + 1
                        dep.info.docker(host, "start", name, check=False)
                if not _manifested(s, c):
                    waiting.append(f"{host} {name}")
        elapsed = time.monotonic() - start
        if (not waiting and elapsed >= minimum) or elapsed >= maximum:
            return waiting
        log(f"  settling: {elapsed:.0f}s, waiting for {len(waiting)}: {', '.join(waiting[:6])}")
        time.sleep(10)


__all__ = ["Deployment", "compose_text", "deployment", "down", "inspect", "settle", "up", "write_inventory"]
