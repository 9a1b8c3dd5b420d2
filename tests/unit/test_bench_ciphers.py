"""The bench's lower bound offers the ciphers in dozor's order (its own copy, to stay free of dozor's start-up)."""

from bench.lower_bound import CIPHERS as BENCH_CIPHERS
from dozor.transport.ssh import CIPHERS


def test_lower_bound_uses_dozors_cipher_order() -> None:
    assert list(BENCH_CIPHERS) == list(CIPHERS)
