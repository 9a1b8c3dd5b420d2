"""Failures every runtime reports in its own words (errno texts, HTTP status lines)."""

from __future__ import annotations

from dozor.analysis.patterns.base import ACC, PG, Pattern

_HTTP_429 = (
    r'"\s429\s|\bHTTP/\d(?:\.\d)?"?\s+429\b'
    r"|\b(?:status|status_code|statusCode|http_status|DownstreamStatus|code)[\"']?\s*[=:]\s*[\"']?429\b"
    r"|\b429 Too Many Requests\b|\bToo Many Requests\b|\brate[- ]limit(?:ed| exceeded)\b"
)

GENERAL: tuple[Pattern, ...] = (
    Pattern(
        id="general.disk_full",
        kind="general",
        category="disk",
        source="POSIX errno ENOSPC (strerror: No space left on device)",
        severity="critical",
        regex=r"No space left on device|\bENOSPC\b|\b(?:disk full|disk is full)\b",
        meaning="A filesystem is full; writes fail (databases may stop or corrupt).",
        action="Free space: docker system df, prune images/build cache, rotate logs, grow the volume.",
        examples=(
            PG + 'LOG:  could not write to file "pg_wal/xlogtemp.31": No space left on device',
            "write /data/out.json: no space left on device",
        ),
        near_misses=("checked free space: 12G left on device /dev/sda1",),
        ignore_case=True,
    ),
    Pattern(
        id="general.tls_cert_expired",
        kind="general",
        category="tls",
        source="go src/crypto/x509/verify.go (CertificateInvalidError Expired); OpenSSL X509_V_ERR_CERT_HAS_EXPIRED "
        "('certificate has expired', Node's code CERT_HAS_EXPIRED, Python's ssl module); OpenJDK "
        "java.security.cert.CertificateExpiredException (sun.security.x509.CertificateValidity)",
        severity="critical",
        regex=r"x509: certificate has expired or is not yet valid|\bcertificate has expired\b|\bCERT_HAS_EXPIRED\b"
        r"|\bCertificateExpiredException\b|\bcertificate is not yet valid\b",
        meaning="A TLS peer presented an expired (or not yet valid) certificate: every call to it fails.",
        action="Find the endpoint in the message, check its certificate (openssl s_client -connect HOST:443 | "
        "openssl x509 -noout -dates) and renew it; check this host's clock if 'not yet valid'.",
        examples=(
            'Get "https://payments.internal:8443/v1/charge": tls: failed to verify certificate: x509: certificate '
            "has expired or is not yet valid: current time 2026-12-07T10:00:00Z is after 2026-11-30T23:59:59Z",
            "Error: certificate has expired",
            "    code: 'CERT_HAS_EXPIRED'",
            "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: certificate "
            "has expired (_ssl.c:1006)",
            "Caused by: java.security.cert.CertificateExpiredException: NotAfter: Mon Nov 30 23:59:59 UTC 2026",
        ),
        near_misses=("INFO certificate renewed for api.example.com, expires 2027-03-01",
                     "certificate expires in 20 days (2026-12-27)"),
    ),
    Pattern(
        id="general.pool_exhausted",
        kind="general",
        category="capacity",
        source="HikariCP HikariPool.createTimeoutException ('Connection is not available, request timed out "
        "after'); sqlalchemy lib/sqlalchemy/pool/impl.py QueuePool ('QueuePool limit of size … overflow … "
        "reached'); pgbouncer src/client.c ('no more connections allowed (max_client_conn)')",
        severity="critical",
        regex=r"Connection is not available, request timed out after \d+ ?ms"
        r"|QueuePool limit of size \d+ overflow \d+ reached|no more connections allowed \(max_client_conn\)",
        meaning="The application's database connection pool is exhausted: requests wait for a connection and fail.",
        action="Look for slow queries or leaked connections (connections held across requests); check the "
        "database's active connections; raise the pool size only if the database has room.",
        examples=(
            "java.sql.SQLTransientConnectionException: HikariPool-1 - Connection is not available, request timed "
            "out after 30000ms.",
            "sqlalchemy.exc.TimeoutError: QueuePool limit of size 5 overflow 10 reached, connection timed out, "
            "timeout 30.00 (Background on this error at: https://sqlalche.me/e/20/3o7r)",
            "2026-12-07 10:00:00.000 UTC [1] ERROR C-0x55d1: (nodb)/(nouser)@10.0.0.5:51234 closing because: no "
            "more connections allowed (max_client_conn)",
        ),
        near_misses=("HikariPool-1 - Start completed.", "INFO pool size=10 overflow=5 (QueuePool)"),
    ),
    Pattern(
        id="general.timeout",
        kind="general",
        category="timeout",
        source="POSIX errno ETIMEDOUT; go src/context/context.go (deadline exceeded); gRPC status DEADLINE_EXCEEDED",
        severity="warning",
        regex=r"\btimed out\b|\bdeadline exceeded\b|\bDEADLINE_EXCEEDED\b|\bETIMEDOUT\b"
        r"|\b(?:read|connect|connection|request|gateway) timeout\b",
        meaning="An operation did not finish in time (network, dependency or slow query).",
        action="Find which dependency is slow or unreachable from the message; check its health.",
        examples=(
            "2026-11-27 05:13:18 ERROR request to http://api:8080/v1 failed: context deadline exceeded",
            "ERROR: connect ETIMEDOUT 10.0.0.7:443",
            "2026-11-27 05:13:18,123 WARNING worker: fetching feed timed out after 30s",
        ),
        near_misses=("Starting server with read_timeout=30s write_timeout=30s",),
        ignore_case=True,
    ),
    Pattern(
        id="general.rate_limited",
        kind="general",
        category="rate_limit",
        source="RFC 6585 section 4 (429 Too Many Requests)",
        severity="warning",
        regex=_HTTP_429,
        meaning="Requests were rejected with HTTP 429 (rate limited), by us or by an upstream API.",
        action="Find who is limited (client IP / API key); back off and retry, or raise the limit.",
        examples=(
            ACC + '429 162 "-" "python-requests/2.31"',
            "HTTP/1.1 429 Too Many Requests",
            'level=warn msg="upstream call failed" status=429 url=https://api.example.com/v1',
            "httpx.HTTPStatusError: Client error '429 Too Many Requests' for url 'https://api.example.com'",
        ),
        near_misses=(
            "2026-04-29 04:29:13 handled request id=a429f user=1429 in 429ms status=200",
            "2026-11-27T04:29:00.429Z processed order 4290",
        ),
        ignore_case=True,
    ),
    Pattern(
        id="general.permission_denied",
        kind="general",
        category="permission",
        source="POSIX errno EACCES, EPERM",
        severity="warning",
        regex=r"Permission denied|\bEACCES\b|Operation not permitted",
        meaning="A process lacks rights on a file, socket or operation (often volume ownership/UID).",
        action="Compare the container user's UID with the owner of the mounted path; fix ownership or user.",
        examples=(
            "chown: /var/lib/postgresql/data: Operation not permitted",
            "Error: EACCES: permission denied, open '/app/data/db.json'",
            "mkdir: cannot create directory '/data/cache': Permission denied",
        ),
        near_misses=("checking permissions on /data: ok",),
        ignore_case=True,
    ),
    Pattern(
        id="general.dns_failure",
        kind="general",
        category="dns",
        source="glibc resolv/gai_strerror (EAI_AGAIN, EAI_NONAME); go src/net/net.go (no such host)",
        severity="critical",
        regex=r"Temporary failure in name resolution|Name or service not known|\bno such host\b"
        r"|getaddrinfo (?:ENOTFOUND|EAI_AGAIN)|Could not resolve host|Name does not resolve"
        r"|UnknownHostException|nodename nor servname provided",
        meaning="A hostname could not be resolved (service not running, other network, typo, DNS down).",
        action="Check the hostname, that the target container runs on a shared network, and DNS.",
        examples=(
            "socket.gaierror: [Errno -3] Temporary failure in name resolution",
            "dial tcp: lookup db on 127.0.0.11:53: no such host",
            "Error: getaddrinfo ENOTFOUND redis",
        ),
        near_misses=("resolved host db to 172.18.0.2",),
        ignore_case=True,
    ),
    Pattern(
        id="general.connection_refused",
        kind="general",
        category="connections",
        source="POSIX errno ECONNREFUSED",
        severity="critical",
        regex=r"Connection refused|\bECONNREFUSED\b|Connection to \S+ refused|connection was refused",
        meaning="A dependency refused the connection (not running, not listening yet, wrong port).",
        action="Check the target service is up and listening on that port, and startup ordering.",
        examples=(
            "dial tcp 172.18.0.2:5432: connect: connection refused",
            "Error: connect ECONNREFUSED 127.0.0.1:3000",
        ),
        near_misses=("connection accepted from 172.18.0.5:51234",),
        ignore_case=True,
    ),
    Pattern(
        id="general.connection_reset",
        kind="general",
        category="connections",
        source="POSIX errno ECONNRESET ('Connection reset by peer'); node lib/_http_client.js ('socket hang up')",
        severity="warning",
        regex=r"[Cc]onnection reset by peer|\bECONNRESET\b|\bsocket hang up\b",
        meaning="The other side closed the connection abruptly (crashed, restarted, idle timeout, or a proxy cut it).",
        action="Find the peer in the message; check whether it restarted (dozor timeline) or an idle timeout "
        "(load balancer, pool) closes connections the client still uses.",
        examples=(
            "read tcp 172.18.0.5:41234->172.18.0.2:5432: read: connection reset by peer",
            "Error: read ECONNRESET",
            "Error: socket hang up",
        ),
        near_misses=("INFO connection reset requested by admin: pool recycled",),
    ),
    Pattern(
        id="general.address_in_use",
        kind="general",
        category="startup",
        source="POSIX errno EADDRINUSE; moby libnetwork/portallocator (port is already allocated)",
        severity="critical",
        regex=r"address already in use|\bEADDRINUSE\b|port is already allocated",
        meaning="The port is already taken by another process or container.",
        action="Find the holder (ss -ltnp / docker ps) and stop it or change the published port.",
        examples=(
            "Error starting userland proxy: listen tcp4 0.0.0.0:80: bind: address already in use",
            "Bind for 0.0.0.0:5432 failed: port is already allocated",
        ),
        near_misses=("listening on 0.0.0.0:8080 (address reuse enabled)",),
        ignore_case=True,
    ),
    Pattern(
        id="general.out_of_memory",
        kind="general",
        category="memory",
        source="POSIX errno ENOMEM; go src/runtime/malloc.go",
        severity="critical",
        regex=r"\bout of memory\b|Cannot allocate memory|\bENOMEM\b|\bMemoryError\b",
        meaning="A process failed to allocate memory.",
        action="Check the container memory limit and host free memory; look for leaks.",
        examples=(
            "runtime: out of memory: cannot allocate 4194304-byte block (3968008192 in use)",
            "OSError: [Errno 12] Cannot allocate memory",
        ),
        near_misses=("memory usage 512MiB of 2GiB",),
        ignore_case=True,
    ),
    Pattern(
        id="general.tls_certificate",
        kind="general",
        category="tls",
        source="openssl crypto/x509/x509_txt.c; go src/crypto/x509/verify.go",
        severity="warning",
        regex=r"certificate has expired|certificate expired|x509: certificate|certificate verify failed"
        r"|unable to get local issuer certificate|self[- ]signed certificate in certificate chain",
        meaning="TLS verification failed (expired, self-signed or untrusted certificate).",
        action="Renew the certificate or install the CA bundle in the image (ca-certificates).",
        examples=(
            "ssl.SSLCertVerificationError: [SSL: CERTIFICATE_VERIFY_FAILED] certificate verify failed: "
            "unable to get local issuer certificate (_ssl.c:1006)",
            'Get "https://api.example.com": x509: certificate signed by unknown authority',
        ),
        near_misses=("loaded 140 certificates from /etc/ssl/certs",),
        ignore_case=True,
    ),
    Pattern(
        id="general.http_bad_gateway",
        kind="general",
        category="http",
        source="RFC 9110 section 15.6 (502, 504); nginx log_format combined",
        severity="warning",
        regex=r'^\S+ \S+ \S+ \[[^\]]+\] "[^"]*" 50[24] ',
        meaning="The proxy (nginx, traefik, caddy) answered 502/504: the backend was down, refused or too slow.",
        action="Read the proxy's error log and the backend's status around the same time.",
        examples=(ACC + '502 157 "-" "Mozilla/5.0"', ACC + '504 167 "-" "curl/8.5.0"'),
        near_misses=(ACC + '200 502 "-" "Mozilla/5.0"',),
    ),
    Pattern(
        id="general.http_server_error",
        kind="general",
        category="http",
        source="RFC 9110 section 15.6 (500, 503); nginx log_format combined",
        severity="warning",
        regex=r'^\S+ \S+ \S+ \[[^\]]+\] "[^"]*" 50[03] ',
        meaning="The application answered 500 (unhandled error) or 503 (unavailable/overloaded).",
        action="Match the request time with the backend's own error log or traceback.",
        examples=(ACC + '500 21 "-" "Mozilla/5.0"', ACC + '503 190 "-" "Mozilla/5.0"'),
        near_misses=(ACC + '200 500 "-" "Mozilla/5.0"',),
    ),
)
