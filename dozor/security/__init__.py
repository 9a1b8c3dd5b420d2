"""Security: secret redaction, the security review's checks and findings."""

from dozor.security.redact import REDACTED, is_secret_name, redact, redact_obj

__all__ = ["REDACTED", "is_secret_name", "redact", "redact_obj"]
