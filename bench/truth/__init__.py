"""The truth benchmark: a catalogue of real faults and healthy-but-noisy services, deployed on the test fleet,
diagnosed by dozor and scored (recall, false alarms, root-cause accuracy, AI-text size). ``python -m bench.truth``."""
