"""Safe editing, for every model staff edit in the admin: history with restore, and no lost updates.

History is django-reversion's, with django-reversion-compare's "what changed" view. Each
revision holds one edited object (with what it follows: a resource's links, creators and
tags), so restoring one resource never rewinds another edited in the same request.

Lost updates are refused by optimistic concurrency: a model counts its saves in
``version``; a form carries the version it was opened at, and a save of a form opened
before someone else's save is refused with their name and the time, keeping what was typed.
"""
