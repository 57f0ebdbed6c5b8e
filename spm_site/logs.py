"""Logging that a person can read: one line for a refused request, tracebacks for real faults."""

import logging


class RefusalsInOneLine(logging.Filter):
    """Drop the traceback from a refused request (bad Host, bad signature, too many fields).

    Django logs each of these as an error with the exception attached; they are the
    client's fault, and a fuzz run would otherwise bury real faults in tracebacks.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        if record.name.startswith("django.security."):
            record.exc_info = None
            record.exc_text = None
        return True
