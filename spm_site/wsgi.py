"""WSGI entry point, served by gunicorn (see gunicorn.conf.py)."""

import os

from django.core.wsgi import get_wsgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "spm_site.settings")

django_application = get_wsgi_application()

from spm_site.pagecache import PageCache  # noqa: E402 (needs the settings above)

# Anonymous visitors get public pages from the page cache, before Django runs.
application = PageCache(django_application)
