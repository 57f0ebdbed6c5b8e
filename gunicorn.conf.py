"""gunicorn settings; every value can be changed with an environment variable.

Threads, not one process per request: a connection that sends its request slowly, or
never reads its response, holds one thread, not a whole worker, so a few slow or hostile
clients cannot stall the site. In production a buffering reverse proxy in front (see
the README) absorbs slow clients entirely.
"""

import multiprocessing
import os

bind = os.environ.get("BIND", "127.0.0.1:8000")
workers = int(os.environ.get("WEB_CONCURRENCY", str(min(4, multiprocessing.cpu_count() * 2 + 1))))
worker_class = "gthread"
threads = int(os.environ.get("GUNICORN_THREADS", "32"))
# A request that takes longer than this restarts its worker; idle keep-alive connections
# are closed after a few seconds.
timeout = int(os.environ.get("GUNICORN_TIMEOUT", "30"))
graceful_timeout = 20
keepalive = 5
# Workers are replaced now and then (at staggered times), so a slow leak never builds up.
max_requests = int(os.environ.get("GUNICORN_MAX_REQUESTS", "100000"))
max_requests_jitter = max_requests // 10
# Refuse oversized request lines and headers before Django sees them.
limit_request_line = 4094
limit_request_fields = 60
limit_request_field_size = 8190
wsgi_app = "spm_site.wsgi:application"
accesslog = "-"
errorlog = "-"
# Each worker loads the application itself, so that `kill -HUP` of the master (new code,
# new settings) starts workers on the new release while the old ones finish what they hold.
preload_app = False
