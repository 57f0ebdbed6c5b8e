"""The site as `make run` serves it, on a free loopback port, for the load checks."""

from __future__ import annotations

import http.client
import os
import re
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

HOST = "127.0.0.1"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind((HOST, 0))
        return probe.getsockname()[1]


def production_env(database: Path, port: int) -> dict[str, str]:
    """Production settings on loopback: the proxy's X-Forwarded-Proto is sent by the client."""
    return {
        **os.environ,
        "DJANGO_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "ALLOWED_HOSTS": HOST,
        "SITE_URL": "https://resources.example.org",
        "CONTACT_EMAIL": "webmaster@example.org",
        "DATABASE_URL": f"sqlite:///{database}",
        "BIND": f"{HOST}:{port}",
        "LOG_LEVEL": "WARNING",
    }


def manage(env: dict[str, str], *args: str) -> None:
    subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=settings.BASE_DIR,
        env=env,
        check=True,
        capture_output=True,
    )


def get(port: int, path: str = "/", timeout: float = 10) -> int:
    connection = http.client.HTTPConnection(HOST, port, timeout=timeout)
    try:
        connection.request("GET", path, headers={"X-Forwarded-Proto": "https"})
        response = connection.getresponse()
        response.read()
        return response.status
    finally:
        connection.close()


def wait_until_serving(
    port: int, server: subprocess.Popen, name: str, seconds: float, path: str = "/"
) -> None:
    """Return once ``path`` (the home page) answers 200 on ``port``; fail if ``server`` stops
    or stalls."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if get(port, path) == 200:
                return
        except OSError:
            pass
        if time.monotonic() > deadline or server.poll() is not None:
            raise RuntimeError(f"{name} did not start")
        time.sleep(0.1)


@contextmanager
def serving(
    command: list[str], port: int, name: str, seconds: float, path: str = "/", **popen: Any
) -> Iterator[subprocess.Popen]:
    """Run ``command`` until the block ends, once ``path`` answers on ``port``."""
    server = subprocess.Popen(
        command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, **popen
    )
    try:
        wait_until_serving(port, server, name, seconds, path)
        yield server
    finally:
        server.terminate()
        try:
            server.wait(timeout=15)
        except subprocess.TimeoutExpired:
            server.kill()


@contextmanager
def running_site(extra_env: dict[str, str] | None = None) -> Iterator[int]:
    """gunicorn with gunicorn.conf.py and production settings on a seeded copy of the site."""
    with running_gunicorn(extra_env) as (port, _):
        yield port


@contextmanager
def running_gunicorn(
    extra_env: dict[str, str] | None = None, seed_env: dict[str, str] | None = None
) -> Iterator[tuple[int, subprocess.Popen]]:
    """As running_site, with the gunicorn master's process (to signal it). ``seed_env``
    migrates and seeds another way to the database than the site's (past a proxy)."""
    with tempfile.TemporaryDirectory() as directory:
        port = free_port()
        env = {**production_env(Path(directory) / "db.sqlite3", port), **(extra_env or {})}
        manage({**env, **(seed_env or {})}, "migrate", "--no-input")
        manage({**env, **(seed_env or {})}, "seed")
        command = [sys.executable, "-m", "gunicorn", "--config", "gunicorn.conf.py"]
        with serving(
            command, port, "gunicorn", seconds=30, cwd=settings.BASE_DIR, env=env
        ) as server:
            yield port, server


@contextmanager
def scratch_postgres(url: str) -> Iterator[str]:
    """A database made on the PostgreSQL server of ``url`` for one run, dropped after."""
    import psycopg

    name = f"spm_scratch_{secrets.token_hex(4)}"
    with psycopg.connect(url, autocommit=True) as admin:
        admin.execute(f"CREATE DATABASE {name}")
    try:
        yield urlunsplit(urlsplit(url)._replace(path=f"/{name}"))
    finally:
        with psycopg.connect(url, autocommit=True) as admin:
            admin.execute(f"DROP DATABASE IF EXISTS {name} WITH (FORCE)")


def through(url: str, port: int) -> str:
    """``url`` (a database's or Redis's) with its host and port replaced by 127.0.0.1:port."""
    parts = urlsplit(url)
    user = parts.netloc.rpartition("@")[0]
    return urlunsplit(parts._replace(netloc=f"{user}@{HOST}:{port}" if user else f"{HOST}:{port}"))


def workers_of(master: int) -> set[int]:
    """The process ids of a gunicorn master's workers (its children), from /proc."""
    children = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rpartition(")")[2].split()
        except OSError:
            continue  # gone while we looked
        if int(fields[1]) == master:
            children.add(int(stat.parent.name))
    return children


# One nginx worker, every file it writes kept in ``directory`` (it runs as any user).
NGINX_PREAMBLE = """
daemon off;
worker_processes 1;
pid {directory}/nginx.pid;
error_log {directory}/error.log;
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {directory}/body;
    proxy_temp_path {directory}/proxy;
    fastcgi_temp_path {directory}/fastcgi;
    uwsgi_temp_path {directory}/uwsgi;
    scgi_temp_path {directory}/scgi;"""
# The deploy guide's nginx block, as the README gives it (one source: what the guide says is
# what the load checks and tests run), with these lines changed for loopback without TLS.
GUIDE = Path(settings.BASE_DIR) / "README.md"
GUIDE_LINES = {
    "listen 443 ssl http2;": "listen {host}:{port};",
    "proxy_set_header X-Forwarded-Proto $scheme;": "proxy_set_header X-Forwarded-Proto https;",
    "server 10.0.0.11:8000; server 10.0.0.12:8000;": "{upstreams}",
    "/var/cache/nginx/spm": "{directory}/cache",
    "server { listen 80; return 301 https://$host$request_uri; }": "",
}


def guide_nginx_block() -> str:
    """The nginx configuration of the README's deploy guide, word for word."""
    text = GUIDE.read_text()
    blocks = re.findall(r"^( *)```nginx\n(.*?)^\1```$", text, re.M | re.S)
    if len(blocks) != 1:
        raise RuntimeError("The README should hold exactly one nginx block (the deploy guide's).")
    indent, block = blocks[0]
    return "".join(line.removeprefix(indent) for line in block.splitlines(keepends=True))


def nginx_config(directory: str, port: int, upstreams: list[int]) -> str:
    """The guide's block inside the preamble, listening on ``port`` in front of ``upstreams``."""
    block = guide_nginx_block()
    servers = " ".join(f"server {HOST}:{upstream};" for upstream in upstreams)
    values = {"host": HOST, "port": port, "upstreams": servers, "directory": directory}
    for line, replacement in GUIDE_LINES.items():
        if block.count(line) != 1:
            raise RuntimeError(f"The deploy guide's nginx block no longer has {line!r} once.")
        block = block.replace(line, replacement.format(**values))
    return NGINX_PREAMBLE.format(directory=directory) + "\n" + block + "}\n"


@contextmanager
def behind_nginx(*upstreams: int, cpu: str | None = None) -> Iterator[int]:
    """nginx in front of the site, configured as the README's deploy guide says (without TLS),
    on core ``cpu`` if given."""
    nginx = shutil.which("nginx") or "/usr/sbin/nginx"
    if not Path(nginx).exists():
        raise RuntimeError("nginx is not installed (apt-get install nginx-light).")
    with tempfile.TemporaryDirectory() as directory:
        Path(directory).chmod(0o755)  # nginx's workers may run as another user
        port = free_port()
        config = Path(directory) / "nginx.conf"
        config.write_text(nginx_config(directory, port, list(upstreams)))
        command = [nginx, "-c", str(config), "-p", directory]
        if cpu is not None:
            command = ["taskset", "-c", cpu, *command]
        # Ready when it passes on the app's liveness answer, which it never caches.
        with serving(command, port, "nginx", seconds=10, path="/healthz"):
            yield port
