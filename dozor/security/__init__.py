"""Security helpers: secret redaction and safe text for terminals and LLMs."""

from dozor.security.redact import REDACTED, is_secret_name, redact, redact_obj
from dozor.security.safetext import clip, fence, strip_control

__all__ = ["REDACTED", "clip", "fence", "is_secret_name", "redact", "redact_obj", "strip_control"]
