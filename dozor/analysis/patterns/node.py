"""Node.js crashes, rejections and errors."""

from __future__ import annotations

from dozor.analysis.patterns.base import Pattern

NODE: tuple[Pattern, ...] = (
    Pattern(
        id="node.unhandled_rejection",
        kind="node",
        category="crash",
        source="node lib/internal/process/promises.js",
        severity="critical",
        regex=r"UnhandledPromiseRejection|Unhandled promise rejection|\bunhandledRejection\b",
        meaning="A Node promise rejected without a handler; recent Node versions exit on it.",
        action="Add await/try-catch or .catch() around the failing call; the reason follows in the log.",
        examples=(
            "[UnhandledPromiseRejection: This error originated either by throwing inside of an async "
            "function without a catch block, or by rejecting a promise which was not handled with .catch(). "
            'The promise rejected with the reason "boom".] {',
            "(node:1) UnhandledPromiseRejectionWarning: Error: connect ECONNREFUSED 127.0.0.1:5432",
        ),
        near_misses=("process.on('rejectionHandled') registered",),
    ),
    Pattern(
        id="node.process_crashed",
        kind="node",
        category="crash",
        source="node src/node_errors.cc",
        severity="critical",
        regex=r"^Node\.js v\d+\.\d+\.\d+\s*$",
        meaning="Node printed its version banner after an uncaught exception: the process crashed.",
        action="Read the error and stack just above this line.",
        examples=("Node.js v20.11.0",),
        near_misses=("Server running on Node.js v20.11.0 at http://0.0.0.0:3000",),
    ),
    Pattern(
        id="node.heap_oom",
        kind="node",
        category="memory",
        source="node src/node_errors.cc; v8 src/heap/heap.cc",
        severity="critical",
        regex=r"JavaScript heap out of memory|Reached heap limit Allocation failed",
        meaning="The V8 heap hit its limit and Node aborted.",
        action="Raise --max-old-space-size (within the container limit) or find the leak.",
        examples=("FATAL ERROR: Reached heap limit Allocation failed - JavaScript heap out of memory",),
        near_misses=("heap used 120MB of 512MB",),
    ),
    Pattern(
        id="node.error_line",
        kind="node",
        category="traceback",
        source="node src/node_errors.cc",
        severity="warning",
        regex=r"^(?:Uncaught )?(?:[A-Z]\w*)?Error(?: \[[A-Z_]+\])?: \S",
        meaning="A JavaScript error line (the first line of a Node stack trace).",
        action="Read the message and the first 'at' frame from the app's own files.",
        examples=(
            "TypeError: Cannot read properties of undefined (reading 'id')",
            "Error [ERR_MODULE_NOT_FOUND]: Cannot find package 'express' imported from /app/index.js",
        ),
        near_misses=("    at Object.<anonymous> (/app/index.js:3:9)",),
        generic=True,
    ),
)
