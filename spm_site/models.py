from django.db import models


class Generation(models.Model):
    """One row whose token changes whenever anything a public page shows changes.

    Every cached page is filed under the token it was made at, so a change (saved in the
    same transaction as the token) retires them all at once, on every app server that
    shares the database. (Search counts follow the search index's own feed instead:
    resources.models.SearchChange.) The token is random, not a counter, so a
    rolled-back transaction or a restored backup can never bring back the token of a
    state that differs from the data.
    """

    token = models.BigIntegerField()
    changed_at = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.token} ({self.changed_at:%Y-%m-%d %H:%M:%S})"
