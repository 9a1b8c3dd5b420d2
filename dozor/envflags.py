"""Boolean environment variables, read one way everywhere (``DOZOR_READ_ONLY=on`` and friends).

Bottom layer: imports nothing from dozor.
"""

from __future__ import annotations

import os
from collections.abc import Mapping

TRUE = frozenset({"1", "true", "yes", "on"})
FALSE = frozenset({"0", "false", "no", "off", ""})


def env_flag(name: str, default: bool = False, env: Mapping[str, str] | None = None) -> bool:
    """The boolean in environment variable ``name`` (``env``, default ``os.environ``).

    Unset gives ``default``; 1/true/yes/on give True; 0/false/no/off and the empty string give
    False (case and surrounding spaces ignored). Anything else raises ``ValueError`` naming the
    variable: a typo in a safety switch must not quietly mean "off".
    """
    raw = (os.environ if env is None else env).get(name)
    if raw is None:
        return default
    value = raw.strip().lower()
    if value in TRUE:
        return True
    if value in FALSE:
        return False
    raise ValueError(f"environment variable {name}={raw!r} is not a boolean: use 1/true/yes/on or 0/false/no/off")
