"""HAProxy lines: its own messages (``[WARNING]  (8) : ...``) and its HTTP log's termination states."""

from __future__ import annotations

from dozor.analysis.patterns.base import HAPROXY as H
from dozor.analysis.patterns.base import Pattern

_ALERT = "[ALERT]    (1) : "
_HTTPLOG = "172.18.0.1:51234 [27/Nov/2026:05:13:18.123] http-in "

HAPROXY: tuple[Pattern, ...] = (
    Pattern(
        id="haproxy.no_server",
        kind="haproxy",
        category="upstream",
        source="haproxy src/backend.c (set_backend_down)",
        severity="critical",
        regex=r"backend '?[^' ]+'? has no server available",
        meaning="Every server of a backend is down (failed health checks): HAProxy answers 503 to all its "
        "requests.",
        action="Check the backend's servers (the 'is DOWN, reason:' lines just before say why: refused, "
        "timeout, failed HTTP check) and their containers.",
        examples=(_ALERT + "backend 'app' has no server available!", "backend app has no server available!"),
        near_misses=("[NOTICE]   (8) : Server app/app1 is UP, reason: Layer4 check passed, check duration: 0ms. "
                     "1 active and 0 backup servers online. 0 sessions requeued, 0 total in queue.",),
    ),
    Pattern(
        id="haproxy.server_down",
        kind="haproxy",
        category="upstream",
        source="haproxy src/server.c, src/check.c",
        severity="warning",
        regex=r"Server \S+ is DOWN\W+reason: ",
        meaning="A backend server failed its health check and was taken out of rotation.",
        action="The reason says how: Layer4 connection problem (nothing listening, container down), Layer4 "
        "timeout (unreachable), Layer7 wrong status (the app answered an error); check that server.",
        examples=(
            H + 'Server app/app1 is DOWN, reason: Layer4 connection problem, info: "Connection refused", check '
            "duration: 0ms. 0 active and 0 backup servers left. 0 sessions active, 0 requeued, 0 remaining in "
            "queue.",
            H + "Server redis_backend/redis is DOWN, reason: Layer4 timeout, check duration: 2002ms. 0 active and "
            "0 backup servers left. 10 sessions active, 0 requeued, 0 remaining in queue.",
        ),
        near_misses=("[NOTICE]   (8) : Server app/app1 is UP, reason: Layer7 check passed, code: 200, check "
                     "duration: 3ms. 1 active and 0 backup servers online.",),
    ),
    Pattern(
        id="haproxy.bind_failed",
        kind="haproxy",
        category="startup",
        source="haproxy src/sock_inet.c, src/haproxy.c",
        severity="critical",
        regex=r"cannot bind socket",
        meaning="HAProxy could not open a listening port and exited: the port is taken, or (official image, "
        "which runs as user haproxy) it is below 1024 without the right to bind it.",
        action="'Permission denied' on :80/:443: run the container with user: root (HAProxy drops privileges "
        "itself), or sysctl net.ipv4.ip_unprivileged_port_start=0; 'Address already in use': free the port.",
        examples=(
            _ALERT + "Binding [/usr/local/etc/haproxy/haproxy.cfg:29] for frontend http-in: protocol tcpv4: cannot "
            "bind socket (Permission denied) for [0.0.0.0:80]",
            "[ALERT] 330/051318 (1) : Starting frontend http-in: cannot bind socket (Address already in use) "
            "[0.0.0.0:80]",
        ),
        near_misses=("[NOTICE]   (1) : New worker (8) forked",),
    ),
    Pattern(
        id="haproxy.config_error",
        kind="haproxy",
        category="config",
        source="haproxy src/haproxy.c, src/cfgparse.c",
        severity="critical",
        regex=r"(?<=Fatal errors) found in configuration|(?<=Error\(s\)) found in configuration"
        r"|: parsing \W[^\]]+:\d+\] : ",
        meaning="haproxy.cfg has errors: HAProxy refuses to start (or a reload is rejected and the old "
        "configuration keeps running).",
        action="Run haproxy -c -f /usr/local/etc/haproxy/haproxy.cfg and fix the file:line it names.",
        examples=(
            _ALERT + "config : parsing [/usr/local/etc/haproxy/haproxy.cfg:18] : unknown keyword 'optionhttp-server-"
            "close' in 'defaults' section",
            _ALERT + "config : Fatal errors found in configuration.",
        ),
        near_misses=("Configuration file is valid",),
    ),
    Pattern(
        id="haproxy.unresolved_server",
        kind="haproxy",
        category="dns",
        source="haproxy src/server.c (srv_iterate_initaddr)",
        severity="critical",
        regex=r"could not resolve address '[^']+'",
        meaning="A server's host name did not resolve at startup, so HAProxy refused to start (the backend "
        "container is not running yet or not on a shared network).",
        action="Start the backend first, or add a resolvers section (nameserver 127.0.0.11:53) and "
        "init-addr last,libc,none on the server lines so HAProxy starts and resolves later.",
        examples=(
            _ALERT + "config : 'server app/app1' : could not resolve address 'app'.",
        ),
        near_misses=("[NOTICE]   (8) : app/app1 changed its IP from 172.18.0.4 to 172.18.0.5 by docker_dns/dns1.",),
    ),
    Pattern(
        id="haproxy.maxconn",
        kind="haproxy",
        category="connections",
        source="haproxy src/listener.c",
        severity="warning",
        regex=r"reached (?:the configured maximum connection limit|process FD limit)",
        meaning="A frontend or the process hit its connection limit: new connections wait in the kernel queue "
        "or are refused.",
        action="Raise maxconn (global and frontend) together with the container's nofile ulimit, or find what "
        "holds connections open.",
        examples=(
            H + "Proxy http-in reached the configured maximum connection limit. Please check the global 'maxconn' "
            "value.",
            H + "Proxy http-in reached process FD limit (maxsock=4096). Please check 'ulimit-n' and restart.",
        ),
        near_misses=("[NOTICE]   (1) : haproxy version is 2.9.7-5742051",),
    ),
    Pattern(
        id="haproxy.no_server_request",
        kind="haproxy",
        category="upstream",
        source="https://docs.haproxy.org/2.9/configuration.html#8.5 (termination states)",
        severity="warning",
        regex=r" \S+/<NOSRV> -?\d+/-?\d+/-?\d+/-?\d+/\+?\d+ 503 ",
        meaning="HAProxy answered 503 without trying a server: the backend had none available.",
        action="Look for 'has no server available!' and 'is DOWN' lines at the same time and check the backend "
        "containers.",
        examples=(_HTTPLOG + 'app/<NOSRV> 0/-1/-1/-1/0 503 217 - - SC-- 1/1/0/0/0 0/0 "GET / HTTP/1.1"',),
        near_misses=(_HTTPLOG + 'app/app1 0/0/1/2/3 200 512 - - ---- 1/1/0/0/0 0/0 "GET / HTTP/1.1"',),
    ),
)
