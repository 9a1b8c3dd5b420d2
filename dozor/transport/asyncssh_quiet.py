"""asyncssh, imported without the ``CryptographyDeprecationWarning: DSA is deprecated`` lines it makes.

cryptography 46+ warns when asyncssh's modules mention DSA types at import time: five lines on stderr for
every dozor command, about a key type dozor never offers. Exactly that warning, from asyncssh's modules
only, is filtered; every other warning still shows.
"""

from __future__ import annotations

import warnings

from cryptography.utils import CryptographyDeprecationWarning

warnings.filterwarnings("ignore", message="DSA is deprecated", category=CryptographyDeprecationWarning,
                        module=r"asyncssh(\.|$)")

import asyncssh  # noqa: E402  (after the filter, on purpose)

__all__ = ["asyncssh"]
