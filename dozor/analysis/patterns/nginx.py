"""nginx error-log lines (upstreams, TLS, configuration)."""

from __future__ import annotations

from dozor.analysis.patterns.base import NG, UPSTREAM_TAIL, Pattern

NGINX: tuple[Pattern, ...] = (
    Pattern(
        id="nginx.upstream_refused",
        kind="nginx",
        category="upstream",
        source="nginx src/http/ngx_http_upstream.c, src/event/ngx_event_connect.c",
        severity="critical",
        regex=r"connect\(\) (?:to \S+ )?failed \((?:111: Connection refused|113: No route to host"
        r"|113: Host is unreachable)\) while connecting to upstream",
        meaning="Nginx could not reach the backend (container down, restarting, or wrong port).",
        action="Check the upstream container's status and logs, and that proxy_pass points at its "
        "listening port on a shared network.",
        examples=(
            NG + "[error] 29#29: *1 connect() failed (111: Connection refused) while connecting to "
            "upstream" + UPSTREAM_TAIL,
        ),
        near_misses=(
            NG + "[info] 29#29: *5 client closed connection while waiting for request, client: 1.2.3.4, "
            "server: 0.0.0.0:80",
        ),
    ),
    Pattern(
        id="nginx.upstream_timeout",
        kind="nginx",
        category="timeout",
        source="nginx src/http/ngx_http_upstream.c",
        severity="warning",
        regex=r"upstream timed out \(110: (?:Connection|Operation) timed out\)",
        meaning="The backend did not answer within proxy_read_timeout / proxy_connect_timeout.",
        action="Find the slow endpoint in the backend; raise the proxy timeouts only if the slowness is expected.",
        examples=(
            NG + "[error] 29#29: *7 upstream timed out (110: Connection timed out) while reading response "
            "header from upstream" + UPSTREAM_TAIL,
        ),
        near_misses=(
            NG + "[info] 29#29: *8 client timed out (110: Connection timed out) while waiting for request, "
            "client: 10.0.0.5, server: 0.0.0.0:443",
        ),
    ),
    Pattern(
        id="nginx.no_live_upstreams",
        kind="nginx",
        category="upstream",
        source="nginx src/http/ngx_http_upstream_round_robin.c",
        severity="critical",
        regex=r"no live upstreams while connecting to upstream",
        meaning="Every server of the upstream block is marked down after failures.",
        action="Fix the failing backends first (see upstream_refused/timeout lines before this one).",
        examples=(
            NG + "[error] 29#29: *9 no live upstreams while connecting to upstream, client: 10.0.0.5, "
            'server: example.com, request: "GET / HTTP/1.1", upstream: "http://backend/", host: '
            '"example.com"',
        ),
        near_misses=(NG + "[notice] 1#1: signal process started",),
    ),
    Pattern(
        id="nginx.upstream_host_not_found",
        kind="nginx",
        category="dns",
        source="nginx src/http/ngx_http_upstream.c, src/core/ngx_inet.c",
        severity="critical",
        regex=r'host not found in upstream "|could not be resolved \(\d+: [^)]*\)',
        meaning="Nginx cannot resolve the backend's name (container not started, other network, typo).",
        action="Start the backend first or use a resolver + variable in proxy_pass; check the "
        "service name and shared network.",
        examples=(
            NG + '[emerg] 1#1: host not found in upstream "app:8000" in /etc/nginx/conf.d/default.conf:12',
            NG + "[error] 29#29: *3 app could not be resolved (3: Host not found), client: 10.0.0.5, "
            'server: example.com, request: "GET / HTTP/1.1", host: "example.com"',
        ),
        near_misses=(NG + '[notice] 1#1: using the "epoll" event method',),
    ),
    Pattern(
        id="nginx.tls_certificate",
        kind="nginx",
        category="tls",
        source="nginx src/event/ngx_event_openssl.c, src/http/modules/ngx_http_ssl_module.c",
        severity="critical",
        regex=r'cannot load certificate|no "ssl_certificate" is defined|SSL_CTX_use_PrivateKey(?:_file)?\(\) failed',

        meaning="Nginx cannot load or use its TLS certificate/key (missing, unreadable, expired, mismatched).",
        action="Check the certificate and key paths, their permissions, expiry (openssl x509 -enddate) "
        "and renewal (certbot/acme).",
        examples=(
            NG + '[emerg] 1#1: cannot load certificate "/etc/nginx/certs/example.com.crt": BIO_new_file() '
            "failed (SSL: error:80000002:system library::No such file or directory)",
        ),
        near_misses=(NG + "[notice] 1#1: nginx/1.25.3",
                     'Get "https://api.example.com/v1": x509: certificate has expired or is not yet valid'),
    ),
    Pattern(
        id="nginx.limit_req",
        kind="nginx",
        category="rate_limit",
        source="nginx src/http/modules/ngx_http_limit_req_module.c (limiting requests, excess: … by zone)",
        severity="warning",
        regex=r'limiting requests, excess: [0-9.]+ by zone "',
        meaning="Nginx rejects requests over a limit_req zone's rate (clients get 503, or limit_req_status, "
        "usually 429).",
        action="See which clients and paths hit the zone (client/request in the line): an abusive client, a "
        "retry storm, or a rate/burst set too low for real traffic.",
        examples=(
            NG + '[error] 30#30: *1 limiting requests, excess: 20.560 by zone "api", client: 10.0.5.21, server: '
            'api.example, request: "POST /v1/quotes HTTP/1.1", host: "api.example"',
        ),
        near_misses=(NG + '[warn] 30#30: *1 delaying request, excess: 0.560, by zone "api", client: 10.0.5.21',),
    ),
    Pattern(
        id="nginx.tls_upstream_handshake",
        kind="nginx",
        category="tls",
        source="nginx src/event/ngx_event_openssl.c",
        severity="warning",
        regex=r"SSL_do_handshake\(\) failed .*while SSL handshaking to upstream",
        meaning="Nginx could not complete TLS with an HTTPS backend.",
        action="Check proxy_ssl_* settings, the backend's certificate and whether it really speaks TLS.",
        examples=(
            NG + "[error] 29#29: *11 SSL_do_handshake() failed (SSL: error:0A00010B:SSL routines::wrong "
            "version number) while SSL handshaking to upstream" + UPSTREAM_TAIL,
        ),
        near_misses=(
            NG + "[info] 29#29: *12 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key "
            "share) while SSL handshaking, client: 45.1.2.3, server: 0.0.0.0:443",
        ),
    ),
    Pattern(
        id="nginx.tls_client_handshake",
        kind="nginx",
        category="tls",
        source="nginx src/event/ngx_event_openssl.c",
        severity="info",
        regex=r"SSL_do_handshake\(\) failed|peer closed connection in SSL handshake|SSL_read\(\) failed",
        meaning="A client failed the TLS handshake (usually scanners or very old clients).",
        action="Ignore unless real users report TLS errors; then check ssl_protocols/ssl_ciphers.",
        examples=(
            NG + "[info] 29#29: *12 SSL_do_handshake() failed (SSL: error:0A00006C:SSL routines::bad key "
            "share) while SSL handshaking, client: 45.1.2.3, server: 0.0.0.0:443",
        ),
        near_misses=(NG + "[info] 29#29: *13 client 45.1.2.3 closed keepalive connection",),
    ),
    Pattern(
        id="nginx.config_error",
        kind="nginx",
        category="startup",
        source="nginx src/core/ngx_conf_file.c",
        severity="critical",
        regex=r"\[emerg\] \d+#\d+: ",
        meaning="Nginx refused its configuration or could not start (bad directive, port in use, missing file).",
        action="Run nginx -t in the container and fix the reported file:line.",
        examples=(
            NG + '[emerg] 1#1: unknown directive "proxy_passs" in /etc/nginx/conf.d/default.conf:14',
            NG + "[emerg] 1#1: bind() to 0.0.0.0:80 failed (98: Address in use)",
        ),
        near_misses=(NG + "[notice] 1#1: start worker processes",),
        generic=True,
    ),
    Pattern(
        id="nginx.body_too_large",
        kind="nginx",
        category="http",
        source="nginx src/http/ngx_http_core_module.c",
        severity="warning",
        regex=r"client intended to send too large body",
        meaning="A request body exceeded client_max_body_size; the client got 413.",
        action="Raise client_max_body_size if such uploads are legitimate.",
        examples=(
            NG + "[error] 29#29: *14 client intended to send too large body: 10485760 bytes, client: "
            '10.0.0.5, server: example.com, request: "POST /upload HTTP/1.1", host: "example.com"',
        ),
        near_misses=(NG + "[notice] 1#1: client_max_body_size 1m",),
    ),
    Pattern(
        id="nginx.worker_connections",
        kind="nginx",
        category="connections",
        source="nginx src/core/ngx_connection.c",
        severity="critical",
        regex=r"worker_connections are not enough",
        meaning="Nginx ran out of worker connections; requests are dropped.",
        action="Raise worker_connections (and the open-files limit) or look for stuck upstream connections.",
        examples=(NG + "[alert] 29#29: 1024 worker_connections are not enough",),
        near_misses=(NG + "[notice] 1#1: getrlimit(RLIMIT_NOFILE): 1048576:1048576",),
    ),
)
