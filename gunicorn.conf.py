"""gunicorn settings; every value can be changed with an environment variable."""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(4, multiprocessing.cpu_count() * 2 + 1))))
threads = int(os.environ.get("GUNICORN_THREADS", "1"))
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
wsgi_app = "spm_site.wsgi:application"
accesslog = "-"
errorlog = "-"
# Settings (and the local secret key file) are read once, before the workers fork.
preload_app = True
