"""dozor's fleet benchmark suite (not part of the test suite): ``python -m bench.run``."""
