"""PHP and php-fpm lines (the master's ``[27-Nov-2026 05:13:18] WARNING: ...`` and PHP's own errors)."""

from __future__ import annotations

from dozor.analysis.patterns.base import FPM, Pattern

PHP: tuple[Pattern, ...] = (
    Pattern(
        id="php.max_children",
        kind="php",
        category="capacity",
        source="php-src sapi/fpm/fpm/fpm_process_ctl.c",
        severity="warning",
        regex=r"server reached (?:pm\.)?max_children setting",
        meaning="Every php-fpm worker was busy: new requests queue (and the proxy in front returns 502/504 "
        "when they wait too long).",
        action="Raise pm.max_children if memory allows (about container memory / memory per worker), or find "
        "the slow requests (slowlog) that hold workers.",
        examples=(FPM + "WARNING: [pool www] server reached pm.max_children setting (5), consider raising it",),
        near_misses=(FPM + "NOTICE: [pool www] 'user' directive is ignored when FPM is not running as root",),
    ),
    Pattern(
        id="php.memory_exhausted",
        kind="php",
        category="memory",
        source="php-src Zend/zend_alloc.c (zend_mm_safe_error)",
        severity="critical",
        regex=r"Allowed memory size of \d+ bytes exhausted",
        meaning="A PHP request hit memory_limit and died with a fatal error (the user got a 500 or a blank "
        "page).",
        action="Find what the script loads into memory (the file:line is in the message); raise memory_limit "
        "only if the work is legitimately large.",
        examples=(
            "PHP Fatal error:  Allowed memory size of 134217728 bytes exhausted (tried to allocate 20480 bytes) in "
            "/var/www/html/vendor/laravel/framework/src/Illuminate/Support/Collection.php on line 1234",
        ),
        near_misses=("memory_limit = 128M",),
    ),
    Pattern(
        id="php.max_execution_time",
        kind="php",
        category="timeout",
        source="php-src Zend/zend_execute_API.c (zend_timeout)",
        severity="warning",
        regex=r"Maximum execution time of \d+ seconds? exceeded",
        meaning="A PHP script ran past max_execution_time and was stopped.",
        action="Find the slow call at the file:line given (an external API, a query without index).",
        examples=("PHP Fatal error:  Maximum execution time of 30 seconds exceeded in /var/www/html/index.php on "
                  "line 88",),
        near_misses=("max_execution_time = 30",),
    ),
    Pattern(
        id="php.fatal_error",
        kind="php",
        category="exception",
        source="php-src main/main.c (php_error_cb)",
        severity="critical",
        regex=r"\bPHP (?:Fatal|Parse)(?= error:  )",
        meaning="A PHP script died with a fatal error (uncaught exception, undefined function, syntax error): "
        "the request failed.",
        action="Read the message and the file:line; an undefined function often means a missing PHP extension "
        "in the image (docker-php-ext-install).",
        examples=(
            "PHP Fatal error:  Uncaught Error: Call to undefined function mysqli_connect() in /var/www/html/db.php:4",
            FPM + 'WARNING: [pool www] child 12 said into stderr: "PHP Fatal error:  Uncaught PDOException: '
            'SQLSTATE[HY000] [2002] Connection refused in /var/www/html/db.php:8"',
        ),
        near_misses=("PHP Warning:  Undefined array key \"id\" in /var/www/html/index.php on line 3",),
    ),
    Pattern(
        id="php.child_killed",
        kind="php",
        category="crash",
        source="php-src sapi/fpm/fpm/fpm_children.c (fpm_children_bury)",
        severity="critical",
        regex=r"child \d+ exited on signal \d+ \((?:SIGKILL|SIGSEGV|SIGBUS|SIGABRT)",
        meaning="A php-fpm worker was killed (SIGKILL: usually the OOM killer) or crashed (SIGSEGV: a faulty "
        "extension); its request failed.",
        action="SIGKILL: check the container's memory limit and OOM events. SIGSEGV: look at recently "
        "added/updated extensions (opcache, xdebug, imagick).",
        examples=(
            FPM + "WARNING: [pool www] child 12 exited on signal 9 (SIGKILL) after 123.456789 seconds from start",
            FPM + "WARNING: [pool www] child 31 exited on signal 11 (SIGSEGV - core dumped) after 2.1 seconds "
            "from start",
        ),
        near_misses=(FPM + "NOTICE: [pool www] child 12 exited with code 0 after 3600.1 seconds from start",),
    ),
    Pattern(
        id="php.request_timeout",
        kind="php",
        category="timeout",
        source="php-src sapi/fpm/fpm/fpm_request.c (fpm_request_check_timed_out)",
        severity="warning",
        regex=r"execution timed out \(\d+\.\d+ sec\), terminating",
        meaning="php-fpm killed a worker whose request ran past request_terminate_timeout.",
        action="Find the slow script named in the line (enable slowlog to see where it waits).",
        examples=(
            FPM + "WARNING: [pool www] child 12, script '/var/www/html/index.php' (request: \"GET /index.php\") "
            "execution timed out (31.123456 sec), terminating",
        ),
        near_misses=(FPM + "NOTICE: [pool www] child 12 started",),
    ),
)
