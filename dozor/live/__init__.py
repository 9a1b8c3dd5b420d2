"""Live fleet state: one Engine API event stream per host, applied to an in-memory state.

``dozor serve --watch`` answers status questions from it, ``dozor watch`` shows it to a person. Modules:
:mod:`~dozor.live.stream` (the long-lived ``/events`` answer), :mod:`~dozor.live.apply` (an event applied to a
host's containers; dedupe), :mod:`~dozor.live.host` (one host's loop: full read, stream, resume, resync, poll,
back off), :mod:`~dozor.live.fleet` (``LiveFleet``), :mod:`~dozor.live.freshness` (``live since T``…),
:mod:`~dozor.live.problems` (new / resolved problems, settled and remembered).
"""
