"""Logging that a person can read: one line for a refused request, or for a request the
database was away for, and tracebacks for real faults."""

import logging

from django.db import DatabaseError


class RefusalsInOneLine(logging.Filter):
    """Drop the traceback from a refused request (bad Host, bad signature, too many fields).

    Django logs each of these as an error with the exception attached; they are the
    client's fault, and a fuzz run would otherwise bury real faults in tracebacks.
    """

    def filter(self, record: logging.LogRecord) -> bool:
        outage = record.exc_info is not None and isinstance(record.exc_info[1], DatabaseError)
        if record.name.startswith("django.security.") or (
            record.name == "django.request" and outage
        ):
            record.exc_info = None
            record.exc_text = None
        return True
