"""Go runtime panics and fatal errors."""

from __future__ import annotations

from dozor.analysis.patterns.base import Pattern

GO: tuple[Pattern, ...] = (
    Pattern(
        id="go.panic",
        kind="go",
        category="crash",
        source="go src/runtime/panic.go",
        severity="critical",
        regex=r"^panic: ",
        meaning="A Go program panicked (crashed) unless the panic was recovered.",
        action="Read the panic message and the first goroutine frame in the app's own package.",
        examples=("panic: runtime error: invalid memory address or nil pointer dereference",),
        near_misses=('level=info msg="recovered: panic handler installed"',),
    ),
    Pattern(
        id="go.fatal_error",
        kind="go",
        category="crash",
        source="go src/runtime/panic.go",
        severity="critical",
        regex=r"^fatal error: ",
        meaning="The Go runtime hit an unrecoverable error (concurrent map writes, deadlock, out of memory).",
        action="Fix the race/deadlock named in the message; run tests with -race.",
        examples=("fatal error: concurrent map writes", "fatal error: all goroutines are asleep - deadlock!"),
        near_misses=('level=error msg="non-fatal error: cache miss"',),
    ),
    Pattern(
        id="go.goroutine_dump",
        kind="go",
        category="traceback",
        source="go src/runtime/traceback.go",
        severity="warning",
        regex=r"^goroutine \d+ \[[\w ,.]+\]:$",
        meaning="A Go goroutine stack dump (after a panic or SIGQUIT).",
        action="Read the panic or fatal error line above it.",
        examples=("goroutine 1 [running]:",),
        near_misses=("goroutine pool started with 8 workers",),
        generic=True,
    ),
)
