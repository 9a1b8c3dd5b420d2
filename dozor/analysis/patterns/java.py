"""JVM exceptions and errors."""

from __future__ import annotations

from dozor.analysis.patterns.base import Pattern

JAVA: tuple[Pattern, ...] = (
    Pattern(
        id="java.out_of_memory",
        kind="java",
        category="memory",
        source="https://docs.oracle.com/en/java/javase/21/troubleshoot/troubleshooting-memory-leaks.html",
        severity="critical",
        regex=r"java\.lang\.OutOfMemoryError",
        meaning="The JVM ran out of heap/metaspace/native threads.",
        action="Size -Xmx/-XX:MaxRAMPercentage to the container limit, or find the leak (heap dump).",
        examples=('Exception in thread "main" java.lang.OutOfMemoryError: Java heap space',),
        near_misses=("INFO  -XX:MaxRAMPercentage=75.0 heap max 1536m",),
    ),
    Pattern(
        id="java.exception_in_thread",
        kind="java",
        category="crash",
        source="openjdk src/java.base/share/classes/java/lang/ThreadGroup.java",
        severity="critical",
        regex=r'^Exception in thread "[^"]*" ',
        meaning="An uncaught Java exception killed a thread (the main thread: the whole app).",
        action="Read the exception and its 'Caused by:' chain to the root cause.",
        examples=('Exception in thread "main" java.lang.IllegalStateException: Failed to load ApplicationContext',),
        near_misses=('Thread "main" started',),
        generic=True,
    ),
    Pattern(
        id="java.caused_by",
        kind="java",
        category="traceback",
        source="openjdk src/java.base/share/classes/java/lang/Throwable.java",
        severity="warning",
        regex=r"^Caused by: [\w.$]+(?:Exception|Error)\b",
        meaning="The root cause of a Java exception chain.",
        action="This line usually names the real problem; fix it first.",
        examples=(
            "Caused by: org.flywaydb.core.api.FlywayException: Validate failed: Migrations have failed validation",
        ),
        near_misses=("Caused by user request: shutdown",),
        generic=True,
    ),
    Pattern(
        id="java.exception",
        kind="java",
        category="traceback",
        source="openjdk src/java.base/share/classes/java/lang/Throwable.java",
        severity="warning",
        regex=r"^(?:[a-z]\w*\.)+[A-Z][\w$]*(?:Exception|Error)(?::\s.*)?$",
        meaning="A fully qualified Java exception line (first line of a stack trace).",
        action="Read the message and the first frame in the app's own packages.",
        examples=('java.lang.NullPointerException: Cannot invoke "String.length()" because "s" is null',),
        near_misses=("\tat com.example.App.main(App.java:12)",),
        generic=True,
    ),
)
