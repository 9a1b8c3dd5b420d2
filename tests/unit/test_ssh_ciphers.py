"""dozor's cipher preference only reorders asyncssh's defaults (so every server that negotiated before still does)."""

import asyncssh.encryption

from dozor.transport.ssh import CIPHERS


def test_ciphers_are_asyncssh_defaults_reordered() -> None:
    defaults = [a.decode() for a in asyncssh.encryption.get_default_encryption_algs()]
    assert sorted(CIPHERS) == sorted(defaults)
    assert CIPHERS[0].startswith("aes128-gcm")
