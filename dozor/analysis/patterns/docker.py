"""What the container runtime and the kernel say about a container."""

from __future__ import annotations

from dozor.analysis.patterns.base import Pattern

DOCKER: tuple[Pattern, ...] = (
    Pattern(
        id="docker.oom_killed",
        kind="docker",
        category="memory",
        source="linux mm/oom_kill.c, mm/memcontrol.c",
        severity="critical",
        regex=r"Out of memory: Kill(?:ed)? process|Memory cgroup out of memory|\bOOMKilled\b"
        r"|\boom-kill(?:er)?\b|^\S*(?:: line \d+:)?\s+\d+\s+Killed\s|^Killed\s*$",
        meaning="The kernel OOM killer (or a memory limit) killed a process.",
        action="Raise the container memory limit or find the leak; check `docker inspect` State.OOMKilled.",
        examples=(
            "Killed",
            "/entrypoint.sh: line 12:    45 Killed                  python app.py",
            "Memory cgroup out of memory: Killed process 4321 (python) total-vm:2048000kB",
        ),
        near_misses=("2026-11-27 05:13:18 worker pool: killed 2 idle workers",),
    ),
    Pattern(
        id="docker.exit_137",
        kind="docker",
        category="memory",
        source="https://docs.docker.com/engine/containers/run/#exit-status",
        severity="critical",
        regex=r"\b(?:exit(?:ed)?|exit[ _]?code|exit status)\b[^\d\n]{0,12}\b137\b",
        meaning="A process ended with code 137 = SIGKILL, most often the OOM killer or a stop timeout.",
        action="Check OOMKilled in docker inspect and the memory limit; otherwise the stop grace period.",
        examples=("app-1 exited with code 137", "Exited (137) 5 minutes ago"),
        near_misses=("exited with code 0 after processing 137 items",),
        ignore_case=True,
    ),
    Pattern(
        id="docker.exit_139",
        kind="docker",
        category="crash",
        source="https://docs.docker.com/engine/containers/run/#exit-status",
        severity="critical",
        regex=r"\b(?:exit(?:ed)?|exit[ _]?code|exit status)\b[^\d\n]{0,12}\b139\b|Segmentation fault"
        r"|\bSIGSEGV\b",
        meaning="A process crashed with a segmentation fault (code 139 = SIGSEGV).",
        action="Usually a native library/ABI mismatch (e.g. musl vs glibc wheels) or a bug; pin versions.",
        examples=("worker-1 exited with code 139", "Segmentation fault (core dumped)"),
        near_misses=("exited with code 1 (139 requests served)",),
    ),
    Pattern(
        id="docker.exit_143",
        kind="docker",
        category="crash",
        source="https://docs.docker.com/engine/containers/run/#exit-status",
        severity="info",
        regex=r"\b(?:exit(?:ed)?|exit[ _]?code|exit status)\b[^\d\n]{0,12}\b143\b",
        meaning="A process ended on SIGTERM (code 143): a normal stop/restart request.",
        action="Nothing if it was a planned stop; frequent ones mean something keeps restarting it.",
        examples=("app-1 exited with code 143",),
        near_misses=("exited with code 0 (143 jobs)",),
        ignore_case=True,
    ),
    Pattern(
        id="docker.unhealthy",
        kind="docker",
        category="crash",
        source="moby daemon/health.go",
        severity="warning",
        regex=r"health_status: unhealthy|\(unhealthy\)|container \S+ is unhealthy",
        meaning="The container's healthcheck is failing.",
        action="Run the healthcheck command by hand in the container (docker inspect .State.Health.Log).",
        examples=(
            "dependency failed to start: container app-db-1 is unhealthy",
            "2026-11-27T05:13:18.123456789Z container health_status: unhealthy 3f2a9c (image=app:latest, name=app-1)",
        ),
        near_misses=(
            "2026-11-27T05:13:18.123456789Z container health_status: healthy 3f2a9c (image=app:latest, name=app-1)",
        ),
    ),
    Pattern(
        id="docker.restart_loop",
        kind="docker",
        category="crash",
        source="moby daemon/exec.go; docker/cli (docker ps status)",
        severity="critical",
        regex=r"\bRestarting \(\d+\)|is restarting, wait until the container is running",
        meaning="The container keeps crashing and being restarted by its restart policy.",
        action="Read the container's last logs before each exit (docker logs --tail) and its exit code.",
        examples=(
            "Error response from daemon: Container 3f2a9c is restarting, wait until the container is running",
            "Restarting (1) 12 seconds ago",
        ),
        near_misses=("Restarting workers after config reload",),
    ),
    Pattern(
        id="docker.daemon_unreachable",
        kind="docker",
        category="connections",
        source="moby client/errors.go",
        severity="critical",
        regex=r"Cannot connect to the Docker daemon",
        meaning="A Docker client (CI, agent, socket-mounted tool) cannot reach dockerd.",
        action="Check that dockerd runs and the socket is mounted/readable for the client.",
        examples=("Cannot connect to the Docker daemon at unix:///var/run/docker.sock. Is the docker daemon running?",),
        near_misses=("Connected to the Docker daemon at unix:///var/run/docker.sock",),
    ),
)
