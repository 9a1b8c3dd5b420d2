"""Host settings a security review reads: sshd, the Docker daemon, and the declared project directories.

Three collectors, each a constant script (data only as positional arguments) and a pure parser:

- ``SSHD``: the effective settings of the sshd that serves this connection. The script walks up its own
  process ancestry to the listening sshd and reuses its ``-f CONFIG`` (read from the process title, which
  sshd rewrites to ``sshd: /usr/sbin/sshd -f FILE [listener] ...``); ``sshd -T`` needs root (it loads the
  host keys), so without it the config file (and its ``Include`` files) is parsed instead, with OpenSSH's
  defaults and first-value-wins rule; ``Match`` blocks are then not evaluated.
- ``DOCKERD``: the engine socket's mode/owner/group (``DOCKER_HOST`` or ``/var/run/docker.sock``), the
  command lines of ``dockerd`` processes (``/proc/*/cmdline``: readable by any user) and ``/etc/docker/daemon.json``.
- ``PROJECT_FILES``: for each declared project path, ``.env*`` files with their mode, and the compose files'
  text. The parser keeps no file content: only names of secret-looking keys whose value is inlined.
"""

from __future__ import annotations

import json
import re
from collections.abc import Sequence

from pydantic import BaseModel, Field

from dozor.collectors.base import Collector, CollectorError, first_line
from dozor.collectors.listeners import _sections
from dozor.security.redact import is_secret_name
from dozor.transport.base import CommandResult

# -- sshd ------------------------------------------------------------------------------------------

SSHD_SCRIPT = r"""cfg=""; p=$$
while [ -n "$p" ] && [ "$p" -gt 1 ]; do
  if [ "$(cat /proc/$p/comm 2>/dev/null)" = sshd ]; then
    c=$(tr '\0' ' ' < /proc/$p/cmdline 2>/dev/null | sed -n 's/.* -f \([^ ]*\).*/\1/p')
    if [ -n "$c" ]; then cfg=$c; break; fi
  fi
  p=$(sed -n 's/.*) [A-Za-z] \([0-9]*\) .*/\1/p' /proc/$p/stat 2>/dev/null)
done
file=${cfg:-/etc/ssh/sshd_config}
bin=$(command -v sshd 2>/dev/null || echo /usr/sbin/sshd)
echo "## config $file"
echo "## uid $(id -u)"
if [ ! -x "$bin" ]; then echo "## nosshd"; exit 0; fi
if out=$("$bin" -T -f "$file" 2>&1); then echo "## sshd-T"; printf '%s\n' "$out"; exit 0; fi
echo "## sshd-T-failed"; printf '%s\n' "$out" | head -n 3
if [ -r "$file" ]; then echo "## file $file"; cat "$file"; else echo "## unreadable $file"; exit 0; fi
for pat in $(sed -n 's/^[[:space:]]*[Ii][Nn][Cc][Ll][Uu][Dd][Ee][[:space:]]\{1,\}//p' "$file"); do
  case $pat in /*) ;; *) pat=/etc/ssh/$pat;; esac
  for f in $pat; do [ -r "$f" ] && { echo "## include $f"; cat "$f"; }; done
done
"""

SSHD_DEFAULTS = {"permitrootlogin": "prohibit-password", "passwordauthentication": "yes",
                 "kbdinteractiveauthentication": "yes", "permitemptypasswords": "no", "pubkeyauthentication": "yes"}


class SshdSettings(BaseModel):
    """Effective sshd settings that matter for access (lower-case keys as ``sshd -T`` prints them)."""

    source: str = Field(description="'sshd -T' (effective) or 'config file' (parsed, Match blocks ignored).")
    config: str = Field(description="The config file of the sshd serving this connection.")
    settings: dict[str, str] = Field(default_factory=dict)
    has_match_blocks: bool = False
    checked: bool = Field(default=True, description="False when neither sshd -T nor the file could be read.")
    reason: str = ""


def parse_sshd_config(text: str, includes: dict[str, str] | None = None) -> tuple[dict[str, str], bool]:
    """Settings from an sshd_config text (first value wins, ``Include`` inlined, stops at ``Match``).

    Returns the settings merged over OpenSSH's defaults, and whether a Match block was seen.
    """
    found: dict[str, str] = {}
    match = False

    def walk(body: str) -> bool:
        nonlocal match
        for raw in body.splitlines():
            line = raw.split("#", 1)[0].strip()
            if not line:
                continue
            key, _, value = line.replace("=", " ", 1).partition(" ")
            key = key.lower()
            value = value.strip().strip('"')
            if key == "match":
                match = True
                return False
            if key == "include" and includes is not None:
                for path, inc in includes.items():
                    if _include_matches(value, path) and not walk(inc):
                        return False
                continue
            found.setdefault(key, value.split()[0].lower() if value else "")
        return True

    walk(text)
    return {**SSHD_DEFAULTS, **found}, match


def _include_matches(pattern: str, path: str) -> bool:
    import fnmatch

    for pat in pattern.split():
        full = pat if pat.startswith("/") else "/etc/ssh/" + pat
        if fnmatch.fnmatch(path, full):
            return True
    return False


def parse_sshd(result: CommandResult) -> SshdSettings:
    """Parse the sshd script's output."""
    raw = result.stdout
    sections = _sections(raw)
    config = sections.get("config", ("/etc/ssh/sshd_config", ""))[0].strip()
    if "sshd-T" in sections:
        settings: dict[str, str] = {}
        for line in sections["sshd-T"][1].splitlines():
            key, _, value = line.strip().partition(" ")
            if key:
                settings.setdefault(key.lower(), value.strip().lower())
        return SshdSettings(source="sshd -T", config=config, settings=settings)
    if "nosshd" in sections:
        return SshdSettings(source="none", config=config, checked=False, reason="no sshd binary on the host")
    why = first_line(sections.get("sshd-T-failed", ("", ""))[1]) or "sshd -T failed"
    if "file" in sections:
        includes = {}
        for block in re.split(r"^## include ", raw, flags=re.M)[1:]:
            path, _, body = block.partition("\n")
            includes[path.strip()] = body
        main = raw.split("## file ", 1)[1].partition("\n")[2].split("\n## include ", 1)[0]
        settings, match = parse_sshd_config(main, includes)
        return SshdSettings(source="config file", config=config, settings=settings, has_match_blocks=match,
                            reason=f"sshd -T not permitted ({why}); parsed {config}")
    return SshdSettings(source="none", config=config, checked=False,
                        reason=f"sshd -T not permitted ({why}) and {config} is not readable")


SSHD: Collector[SshdSettings] = Collector(
    name="sshd",
    argv=lambda: ["sh", "-c", SSHD_SCRIPT, "dozor-sshd"],
    parse=parse_sshd,
    description="Effective sshd settings (sshd -T, else the config file) of the sshd serving this connection.",
)

# -- dockerd ---------------------------------------------------------------------------------------

DOCKERD_SCRIPT = r"""sock=/var/run/docker.sock
case "${DOCKER_HOST:-}" in unix://*) sock=${DOCKER_HOST#unix://};; esac
echo "## docker_host ${DOCKER_HOST:-}"
echo "## socket $sock"; stat -L -c '%a %U %G' "$sock" 2>&1 | head -n 1
echo "## dockerd"
for d in /proc/[0-9]*; do
  if [ "$(cat "$d/comm" 2>/dev/null)" = dockerd ]; then printf '%s ' "${d#/proc/}"; tr '\0' ' ' < "$d/cmdline"; echo; fi
done
echo "## daemon.json"; cat /etc/docker/daemon.json 2>/dev/null
"""


class DockerSocket(BaseModel):
    """The engine's unix socket."""

    path: str
    mode: str | None = Field(default=None, description="Octal permission bits, e.g. 660.")
    owner: str | None = None
    group: str | None = None
    error: str | None = None


class DockerdProcess(BaseModel):
    """A running dockerd and the TCP endpoints its command line opens."""

    pid: int
    tcp_hosts: list[str] = Field(default_factory=list)
    tls_verify: bool = False
    unix_sockets: list[str] = Field(default_factory=list)


class DockerDaemon(BaseModel):
    """What is known about the Docker engine's exposure on this host."""

    docker_host: str = ""
    socket: DockerSocket
    processes: list[DockerdProcess] = Field(default_factory=list)
    config_tcp_hosts: list[str] = Field(default_factory=list, description="tcp:// hosts in daemon.json.")
    config_tls_verify: bool = False
    config_error: str | None = None


_HOST_FLAG = re.compile(r"^(?:-H|--host)(?:=(?P<v>.+))?$")


def parse_dockerd_cmdline(pid: int, argv: Sequence[str]) -> DockerdProcess:
    """The ``-H``/``--host`` endpoints and ``--tlsverify`` of one dockerd command line."""
    hosts: list[str] = []
    tls = False
    it = iter(argv)
    for a in it:
        m = _HOST_FLAG.match(a)
        if m:
            hosts.append(m["v"] if m["v"] else next(it, ""))
        elif a in ("--tlsverify", "--tlsverify=true"):
            tls = True
    return DockerdProcess(
        pid=pid,
        tcp_hosts=[h for h in hosts if h.startswith("tcp://")],
        tls_verify=tls,
        unix_sockets=[h[len("unix://"):] for h in hosts if h.startswith("unix://")],
    )


def parse_dockerd(result: CommandResult) -> DockerDaemon:
    """Parse the dockerd script's output; only this host's engine is kept when ``DOCKER_HOST`` names its socket."""
    sections = _sections(result.stdout)
    if "socket" not in sections:
        raise CollectorError("dockerd script printed no socket section: " + first_line(result.stderr))
    docker_host = sections.get("docker_host", ("", ""))[0].strip()
    path, body = sections["socket"]
    fields = body.strip().split()
    if len(fields) == 3 and fields[0].isdigit():
        sock = DockerSocket(path=path.strip(), mode=fields[0], owner=fields[1], group=fields[2])
    else:
        sock = DockerSocket(path=path.strip(), error=first_line(body) or "cannot stat the socket")
    procs = []
    for line in sections.get("dockerd", ("", ""))[1].splitlines():
        parts = line.split()
        if parts and parts[0].isdigit():
            procs.append(parse_dockerd_cmdline(int(parts[0]), parts[2:]))
    mine = [p for p in procs if sock.path in p.unix_sockets]
    if docker_host.startswith("unix://") and mine:
        procs = mine
    tcp: list[str] = []
    tls = False
    err = None
    text = sections.get("daemon.json", ("", ""))[1].strip()
    if text:
        try:
            data = json.loads(text)
            tcp = [h for h in data.get("hosts") or [] if str(h).startswith("tcp://")]
            tls = bool(data.get("tlsverify"))
        except (ValueError, AttributeError):
            err = "daemon.json is not valid JSON"
    return DockerDaemon(docker_host=docker_host, socket=sock, processes=procs, config_tcp_hosts=tcp,
                        config_tls_verify=tls, config_error=err)


DOCKERD: Collector[DockerDaemon] = Collector(
    name="dockerd",
    argv=lambda: ["sh", "-c", DOCKERD_SCRIPT, "dozor-dockerd"],
    parse=parse_dockerd,
    description="Docker socket permissions, dockerd -H endpoints and TLS, daemon.json hosts.",
)

# -- project files ---------------------------------------------------------------------------------

PROJECT_FILES_SCRIPT = r"""for p in "$@"; do
  echo "## project $p"
  if [ ! -d "$p" ]; then echo "## missing $p"; continue; fi
  find "$p" -maxdepth 2 -type f -name '.env*' -exec stat -c '%a %U %G %n' {} + 2>/dev/null | sed 's/^/## envfile /'
  for f in docker-compose.yml docker-compose.yaml compose.yml compose.yaml docker-compose.override.yml \
           compose.override.yml; do
    if [ -f "$p/$f" ]; then echo "## compose $p/$f"; head -c 262144 "$p/$f"; echo; fi
  done
done
"""


class EnvFile(BaseModel):
    """A ``.env*`` file in a project directory."""

    path: str
    mode: str
    owner: str
    group: str

    @property
    def world_readable(self) -> bool:
        """The last octal digit grants read to everyone."""
        return bool(int(self.mode[-1], 8) & 4) if self.mode and self.mode[-1].isdigit() else False


class InlineSecret(BaseModel):
    """A secret-looking variable whose value is written literally in a compose file. The value is NOT kept."""

    file: str
    line: int
    name: str


class ProjectFiles(BaseModel):
    """What the declared project directories hold, minus every secret value."""

    missing: list[str] = Field(default_factory=list, description="Declared paths that are not directories.")
    env_files: list[EnvFile] = Field(default_factory=list)
    compose_files: list[str] = Field(default_factory=list)
    inline_secrets: list[InlineSecret] = Field(default_factory=list)


# NAME=value in a list item or a string, or NAME: value in a mapping (environment:, args:, labels:).
_ASSIGN = re.compile(
    r"""^\s*(?:-\s*)?["']?(?P<name>[A-Za-z_][A-Za-z0-9_.-]*)(?:=(?P<eq>.*?)|\s*:\s+(?P<col>.*?))["']?\s*$"""
)


def _literal(value: str | None) -> bool:
    """True when a compose value is a literal (not empty, not a ``${VAR}``/``$VAR`` reference, not a mapping)."""
    if value is None:
        return False
    v = value.split(" #", 1)[0].strip().strip("\"'").strip()
    if not v or v in ("|", ">", "~", "null", "[]", "{}") or v.startswith(("&", "*")):
        return False
    return not re.fullmatch(r"\$\{[^}]*\}|\$[A-Za-z_][A-Za-z0-9_]*", v)


# A URL carrying a literal password (``postgres://user:PASSWORD@db``, not ``${VAR}``) is a secret whatever its
# variable is called.
_URL_CREDENTIALS = re.compile(r"\b[a-z][a-z0-9+.-]*://[^\s:/@?#\"']+:(?!\$)[^\s/@?#\"'$]+@", re.IGNORECASE)


def find_inline_secrets(path: str, text: str) -> list[InlineSecret]:
    """Secret-looking names (``is_secret_name``), or URLs with a password, assigned a literal value in a compose
    file. Values never kept."""
    out: list[InlineSecret] = []
    for n, line in enumerate(text.splitlines(), start=1):
        if line.lstrip().startswith("#"):
            continue
        m = _ASSIGN.match(line)
        if m is None:
            continue
        name = m["name"]
        value = m["eq"] if m["eq"] is not None else m["col"]
        literal = _literal(value)
        if literal and (is_secret_name(name) or _URL_CREDENTIALS.search(value or "")):
            out.append(InlineSecret(file=path, line=n, name=name))
    return out


def project_files_argv(paths: Sequence[str]) -> list[str]:
    """The project-files script over the declared paths (absolute paths only)."""
    for p in paths:
        if not p.startswith("/") or "\x00" in p or "\n" in p:
            raise ValueError(f"project path {p!r} must be an absolute path on one line")
    return ["sh", "-c", PROJECT_FILES_SCRIPT, "dozor-project-files", *paths]


def parse_project_files(result: CommandResult) -> ProjectFiles:
    """Parse the project-files script: env file modes, compose file names and inline secret NAMES."""
    out = ProjectFiles()
    compose: str | None = None
    body: list[str] = []

    def flush() -> None:
        if compose is not None:
            out.compose_files.append(compose)
            out.inline_secrets.extend(find_inline_secrets(compose, "\n".join(body)))

    for line in result.stdout.splitlines():
        if line.startswith("## "):
            kind, _, rest = line[3:].partition(" ")
            if kind in ("project", "missing", "envfile", "compose"):
                flush()
                compose, body = None, []
                if kind == "missing":
                    out.missing.append(rest)
                elif kind == "envfile":
                    parts = rest.split(" ", 3)
                    if len(parts) == 4:
                        out.env_files.append(EnvFile(mode=parts[0], owner=parts[1], group=parts[2], path=parts[3]))
                elif kind == "compose":
                    compose = rest
                continue
        if compose is not None:
            body.append(line)
    flush()
    return out


PROJECT_FILES: Collector[ProjectFiles] = Collector(
    name="project_files",
    argv=project_files_argv,
    parse=parse_project_files,
    description="Modes of .env files and inline secret names in compose files of the declared project paths.",
)
