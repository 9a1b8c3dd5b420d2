"""Traefik proxy lines (v2 logrus ``time=... level=... msg=...`` and v3 ``... ERR ...`` formats)."""

from __future__ import annotations

from dozor.analysis.patterns.base import TRAEFIK as T
from dozor.analysis.patterns.base import Pattern

_V3 = "2026-11-27T05:13:18Z ERR "

TRAEFIK: tuple[Pattern, ...] = (
    Pattern(
        id="traefik.acme_failed",
        kind="traefik",
        category="tls",
        source="traefik pkg/provider/acme/provider.go",
        severity="critical",
        regex=r"Unable to obtain ACME certificate for domains",
        meaning="Let's Encrypt (ACME) did not issue the certificate: the site is served with TRAEFIK DEFAULT "
        "CERT and browsers refuse it.",
        action="Read the ACME error: DNS must point at this host, port 80 (HTTP challenge) or 443 (TLS "
        "challenge) must reach Traefik, the e-mail must be valid; repeated failures hit rate limits.",
        examples=(
            T + 'level=error msg="Unable to obtain ACME certificate for domains \\"shop.example.com\\": unable to '
            'generate a certificate for the domains [shop.example.com]: error: one or more domains had a problem:'
            '\\n[shop.example.com] acme: error: 403 :: urn:ietf:params:acme:error:unauthorized" '
            "providerName=letsencrypt.acme",
            _V3 + 'Unable to obtain ACME certificate for domains error="unable to generate a certificate for the '
            'domains [auth.example.com]: acme: error: 429 :: too many certificates already issued" '
            "ACME CA=https://acme-v02.api.letsencrypt.org/directory providerName=letsencrypt.acme",
        ),
        near_misses=(T + 'level=info msg="Testing certificate renew..." providerName=letsencrypt.acme',),
    ),
    Pattern(
        id="traefik.acme_storage",
        kind="traefik",
        category="tls",
        source="traefik pkg/provider/acme/local_store_unix.go",
        severity="critical",
        regex=r"permissions \d+ for \S+ are too open\W+please use 600",
        meaning="Traefik ignores its ACME resolver because acme.json is readable by others: no certificate is "
        "obtained or renewed.",
        action="chmod 600 acme.json on the host (a group-writable mount or fsGroup resets it).",
        examples=(
            T + 'level=error msg="The ACME resolver \\"le\\" is skipped from the resolvers list because: unable to '
            'get ACME account: permissions 644 for /letsencrypt/acme.json are too open, please use 600"',
        ),
        near_misses=(T + 'level=info msg="Starting provider *acme.ChallengeTLSALPN"',),
    ),
    Pattern(
        id="traefik.docker_provider",
        kind="traefik",
        category="docker",
        source="traefik pkg/provider/docker/pdocker.go (v3), pkg/provider/docker/docker.go (v2)",
        severity="critical",
        regex=r"Provider (?:connection )?error.{0,200}?(?:Cannot connect to the Docker daemon|permission denied "
        r"while trying to connect to the Docker daemon)",
        meaning="Traefik cannot read the Docker API, so it sees no containers and routes nothing new (404 for "
        "every router defined by labels).",
        action="Mount /var/run/docker.sock into the Traefik container (read-only) and check it may read it "
        "(user/group, rootless socket path, or a docker-socket-proxy in between).",
        examples=(
            T + 'level=error msg="Provider connection error Cannot connect to the Docker daemon at unix:///var/run/'
            'docker.sock. Is the docker daemon running?, retrying in 4.39s" providerName=docker',
            _V3 + 'Provider error, retrying in 1.02s error="permission denied while trying to connect to the Docker '
            'daemon socket at unix:///var/run/docker.sock" providerName=docker',
        ),
        near_misses=(T + 'level=info msg="Starting provider *docker.Provider"',),
    ),
    Pattern(
        id="traefik.service_missing",
        kind="traefik",
        category="config",
        source="traefik pkg/server/service/service.go, pkg/server/middleware/middlewares.go",
        severity="warning",
        regex=r'(?:service|middleware) \\?"[^"\\]+\\?" does not exist',
        meaning="A router points at a service or middleware Traefik does not know (a typo, or the container "
        "defining it is not running): that route answers 404.",
        action="Compare the router's labels with the service/middleware names (including the @docker/@file "
        "provider suffix) and check the container that defines them runs.",
        examples=(
            _V3 + 'error="the service \\"api@docker\\" does not exist" entryPointName=websecure '
            "routerName=api@docker",
            T + 'level=error msg="middleware \\"auth@docker\\" does not exist" entryPointName=websecure '
            "routerName=api@docker",
        ),
        near_misses=(T + 'level=info msg="Creating middleware" middlewareName=auth@docker middlewareType=BasicAuth',),
    ),
    Pattern(
        id="traefik.backend_unhealthy",
        kind="traefik",
        category="health",
        source="traefik pkg/healthcheck/healthcheck.go",
        severity="warning",
        regex=r"Health check failed",
        meaning="Traefik's health check of a backend failed: the server is removed from the load balancer.",
        action="Check the backend container and the health check path/port configured in its labels.",
        examples=(
            T + 'level=warning msg="Health check failed, removing from server list. Backend: \\"api@docker\\" URL: '
            '\\"http://172.18.0.4:8000\\" Weight: 1 Reason: HTTP request failed: Get \\"http://172.18.0.4:8000/'
            'health\\": dial tcp 172.18.0.4:8000: connect: connection refused"',
            "2026-11-27T05:13:18Z WRN Health check failed. error=\"HTTP request failed: Get "
            '\\"http://172.18.0.4:8000/health\\": context deadline exceeded" targetURL=http://172.18.0.4:8000',
        ),
        near_misses=(T + 'level=info msg="Health check up: returning to server list. Backend: \\"api@docker\\" URL: '
                     '\\"http://172.18.0.4:8000\\" Weight: 1"',),
    ),
    Pattern(
        id="traefik.bad_gateway",
        kind="traefik",
        category="upstream",
        source="traefik pkg/proxy/httputil/proxy.go (v3), pkg/server/service/proxy.go (v2)",
        severity="warning",
        regex=r"'50[24] (?:Bad Gateway|Gateway Timeout)' caused by: |50[24] (?:Bad Gateway|Gateway Timeout)(?= error=)",
        meaning="Traefik could not get an answer from the backend (refused, unreachable or too slow) and "
        "answered 502/504.",
        action="Check the backend container is running and listening on the port in the service's "
        "loadbalancer.server.port label, on a network Traefik shares.",
        examples=(
            T + "level=debug msg=\"'502 Bad Gateway' caused by: dial tcp 172.18.0.4:8000: connect: connection "
            "refused\"",
            "2026-11-27T05:13:18Z DBG 502 Bad Gateway error=\"dial tcp 172.18.0.4:8000: connect: connection "
            'refused"',
        ),
        near_misses=(T + "level=debug msg=\"'499 Client Closed Request' caused by: context canceled\"",),
    ),
)
