"""Caddy lines (its default JSON log: ``{"level":..,"ts":..,"logger":..,"msg":..}``)."""

from __future__ import annotations

from dozor.analysis.patterns.base import CADDY as C
from dozor.analysis.patterns.base import Pattern

_REQ = ',"request":{"remote_ip":"203.0.113.9","proto":"HTTP/2.0","method":"GET","host":"shop.example.com","uri":"/"}'

CADDY: tuple[Pattern, ...] = (
    Pattern(
        id="caddy.upstream_unreachable",
        kind="caddy",
        category="upstream",
        source="caddy modules/caddyhttp/reverseproxy/reverseproxy.go",
        severity="critical",
        regex=r'(?<=http\.log\.error)","msg":"dial tcp|(?<=http\.log\.error)","msg":"no upstreams available',
        meaning="Caddy's reverse_proxy could not connect to the backend (down, wrong port, not on a shared "
        "network, or unresolvable) and answered 502.",
        action="Check the backend named in the Caddyfile's reverse_proxy is running and listening on that port, "
        "on a network Caddy shares; the 'msg' says whether it was refused, timed out or not resolvable.",
        examples=(
            C + '"logger":"http.log.error","msg":"dial tcp 172.18.0.4:8000: connect: connection refused"' + _REQ
            + ',"duration":0.001,"status":502,"err_id":"8k1nqkh3x","err_trace":"reverseproxy.statusError '
            '(reverseproxy.go:1269)"}',
            C + '"logger":"http.log.error","msg":"dial tcp: lookup app on 127.0.0.11:53: server misbehaving"' + _REQ
            + ',"status":502}',
        ),
        near_misses=(
            '{"level":"info","ts":1795849998.123,"logger":"http.log.access","msg":"handled request"' + _REQ
            + ',"duration":0.004,"size":512,"status":200}',
        ),
    ),
    Pattern(
        id="caddy.acme_failed",
        kind="caddy",
        category="tls",
        source="certmagic config.go, async.go (used by caddy modules/caddytls)",
        severity="critical",
        regex=r'(?:could not get certificate from issuer|\Wjob failed\W).{0,400}?\Werror\W{3}[^"]*'
        r"(?:acme|challenge|certificate)",
        meaning="Caddy could not obtain (or renew) a certificate from the ACME CA: the site has no valid "
        "certificate once the old one expires.",
        action="Read the 'error': DNS must point at this host, ports 80/443 must reach Caddy from the internet, "
        "and repeated failures hit the CA's rate limits.",
        examples=(
            C + '"logger":"tls.obtain","msg":"could not get certificate from issuer","identifier":"shop.example.com",'
            '"issuer":"acme-v02.api.letsencrypt.org-directory","error":"HTTP 400 urn:ietf:params:acme:error:'
            'connection - 104.207.158.254: Timeout during connect (likely firewall problem)"}',
            C + '"logger":"tls.obtain","msg":"job failed","error":"shop.example.com: obtaining certificate: [shop.'
            'example.com] Obtain: [shop.example.com] solving challenges: waiting for solver certmagic.solverWrapper '
            'to be ready"}',
        ),
        near_misses=(
            '{"level":"info","ts":1795849998.123,"logger":"tls.obtain","msg":"certificate obtained successfully",'
            '"identifier":"shop.example.com","issuer":"acme-v02.api.letsencrypt.org-directory"}',
        ),
    ),
    Pattern(
        id="caddy.config_error",
        kind="caddy",
        category="config",
        source="caddy cmd/commandfuncs.go, caddyconfig/caddyfile/parse.go",
        severity="critical",
        regex=r"^(?=Error: )\S+ (?:adapting config using caddyfile|loading initial config)",
        meaning="Caddy could not load its configuration and exited (a Caddyfile syntax error, a bad directive, "
        "or a listener it cannot open).",
        action="Run caddy validate --config /etc/caddy/Caddyfile in the image; read the file:line the error "
        "names.",
        examples=(
            "Error: adapting config using caddyfile: /etc/caddy/Caddyfile:12: unrecognized directive: reverse_prox",
            "Error: loading initial config: loading new config: http app module: start: listening on :443: listen "
            "tcp :443: bind: address already in use",
        ),
        near_misses=('{"level":"info","ts":1795849998.123,"msg":"using config from file","file":"/etc/caddy/'
                     'Caddyfile"}',),
    ),
    Pattern(
        id="caddy.tls_handshake",
        kind="caddy",
        category="tls",
        source="go src/net/http/server.go (http: TLS handshake error), logged by caddy's http.stdlib logger",
        severity="info",
        # Go's net/http wording: only Caddy's own JSON logger line is Caddy's (any Go server prints the text).
        regex=r'"logger":"http\.stdlib","msg":"http: TLS handshake (?=error from [^"]*(?:no certificate available'
        r'|EOF|tls: ))',
        meaning="A client's TLS handshake failed (mostly scanners calling the bare IP or old clients); real "
        "users only if it names your own domains.",
        action="Nothing for bare IPs and scanners; for your own domain, check its certificate was obtained.",
        examples=(
            '{"level":"debug","ts":1795849998.123,"logger":"http.stdlib","msg":"http: TLS handshake error from '
            "203.0.113.9:50944: no certificate available for '172.18.0.3'\"}",
        ),
        near_misses=('{"level":"info","ts":1795849998.123,"logger":"tls","msg":"finished cleaning storage units"}',
                     "2026/11/27 05:13:18 http: TLS handshake error from 10.0.0.9:5123: EOF"),
    ),
)
