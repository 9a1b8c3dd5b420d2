"""Noise under control: silences, acknowledged incidents, event-rate baselines, resource contention.

- ``state``: the state files (``<state_dir>/noise.json``, ``<state_dir>/baselines.json``): read whole, written
  atomically (temporary file, fsync, rename, directory fsync) under a lock; a corrupt file is an error, never
  emptied and never written over.
- ``silences``: matchers (``host=web* service=worker problem=redis.oom``), durations, the silence model.
- ``acks``: acknowledged incidents.
- ``apply``: what a report does with them (``silenced_by``, break-through, acks kept or dropped).
- ``api``: add / list / expire / ack / unack, shared by the CLI, the MCP server and ``Fleet``; audited.
- ``baselines``: per host/service/problem hourly event counts over 7 days, and the usual/new decision.
- ``contention``: CPU throttling, memory at the limit, restart storms (pure rules over collected stats).

This package is domain level: it imports the models, the inventory and ``dozor.report``'s data, never the
façade or a front end.
"""
