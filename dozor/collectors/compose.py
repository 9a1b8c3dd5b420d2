"""Which compose a host has: the v2 plugin (``docker compose``) or standalone ``docker-compose``.

The plugin is tried first; the standalone binary only when the plugin is missing. The
variant follows the reported VERSION (a standalone ``docker-compose`` 2.x binary is v2:
``proj-svc-1`` names), the argv prefix follows which command answered.
"""

from __future__ import annotations

import re
from typing import Literal

from pydantic import BaseModel, Field

from dozor.collectors.base import Collector, CollectorError, check_docker, first_line
from dozor.transport.base import CommandResult

COMPOSE_SCRIPT = r"""out=$(docker compose version --short 2>&1); rc=$?
printf '@@plugin %s\n' "$rc"; printf '%s\n' "$out" | head -n 3
[ "$rc" -eq 0 ] && exit 0
out=$(docker-compose version --short 2>&1); rc=$?
printf '@@standalone %s\n' "$rc"; printf '%s\n' "$out" | head -n 3
exit 0
"""

# What docker CLIs say when the compose plugin is absent (28.x: flag parsed by docker itself).
_NO_PLUGIN = ("unknown flag: --short", "is not a docker command", "unknown command")
_VERSION_RE = re.compile(r"^v?(\d+\.\d+(?:\.\d+)?(?:[-+][0-9A-Za-z.+-]*)?)$")


class ComposeInfo(BaseModel):
    """Compose flavour on a host and how to invoke it."""

    variant: Literal["v2", "v1"] | None = Field(description="None when neither command works.")
    version: str | None = None
    argv_prefix: list[str] = Field(default_factory=list, description='["docker","compose"] or ["docker-compose"].')
    detail: str | None = Field(default=None, description="Why nothing was found (first error line of each try).")


def compose_argv() -> list[str]:
    """``sh -c`` running the constant detection script."""
    return ["sh", "-c", COMPOSE_SCRIPT, "dozor-compose"]


def _blocks(stdout: str) -> dict[str, tuple[int | None, list[str]]]:
    out: dict[str, tuple[int | None, list[str]]] = {}
    current: str | None = None
    for line in stdout.splitlines():
        if line.startswith("@@"):
            name, _, rc = line[2:].partition(" ")
            current = name
            out[name] = (int(rc) if rc.strip().lstrip("-").isdigit() else None, [])
        elif current is not None and line.strip():
            out[current][1].append(line.strip())
    return out


def _version(lines: list[str]) -> str | None:
    for line in lines:
        m = _VERSION_RE.match(line)
        if m:
            return m.group(1)
    return None


def parse_compose(result: CommandResult) -> ComposeInfo:
    """Parse the detection script output into a ``ComposeInfo``."""
    check_docker(result)
    blocks = _blocks(result.stdout)
    if not blocks:
        raise CollectorError(f"compose detection printed nothing (exit {result.exit_status}): "
                             + first_line(result.stderr))
    reasons: list[str] = []
    for name, prefix in (("plugin", ["docker", "compose"]), ("standalone", ["docker-compose"])):
        if name not in blocks:
            continue
        rc, lines = blocks[name]
        version = _version(lines) if rc == 0 else None
        if version:
            variant: Literal["v2", "v1"] = "v1" if version.startswith("1.") else "v2"
            return ComposeInfo(variant=variant, version=version, argv_prefix=prefix)
        detail = first_line("\n".join(lines)) or f"exit {rc}"
        if name == "plugin" and any(s in detail.lower() for s in _NO_PLUGIN):
            detail = "plugin not installed (" + detail + ")"
        reasons.append(f"{' '.join(prefix)}: {detail}")
    return ComposeInfo(variant=None, version=None, argv_prefix=[], detail="; ".join(reasons) or None)


COMPOSE_DETECT: Collector[ComposeInfo] = Collector(
    name="compose",
    argv=compose_argv,
    parse=parse_compose,
    description="Detect docker compose v2 (plugin) or docker-compose v1 and the argv prefix to use.",
)
