"""The developer's tools (benchmarks, load checks, audits) stay out of the product: a
production server does not offer them, the site's code never leans on Django's test
machinery, and a benchmark never writes into a database holding the site's content."""

import ast
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command
from taggit.models import Tag

from resources.models import Link, Resource
from tests.conftest import PRODUCTION, manage

ROOT = Path(__file__).resolve().parent.parent
TOOLS = [
    "bench_pages",
    "bench_nginx",
    "bench_search",
    "bench_links",
    "loadtest",
    "slowclients",
    "lighthouse",
    "audit_dependencies",
    "bench_lookups",
    "abuse",
    "chaos",
    "bench_report",
]
# Where Django's test machinery may be used: the developer's tools and the tests.
MAY_USE_DJANGO_TEST = {"devtools", "tests"}
NOT_OURS = {".venv", "node_modules", "staticfiles", "build", ".git"}


def commands_offered(**env: str) -> set[str]:
    result = manage("help", **env)
    assert result.returncode == 0, result.stderr
    # `help` lists each app's commands under "[app]", indented.
    return {line.strip() for line in result.stdout.splitlines() if line.startswith("    ")}


def test_a_production_server_offers_none_of_the_developers_tools():
    offered = commands_offered(**PRODUCTION)
    assert "check_links" in offered  # an operator's command is still there
    assert offered.isdisjoint(TOOLS), sorted(offered & set(TOOLS))


def test_a_developers_machine_offers_every_tool():
    assert set(TOOLS) <= commands_offered()


def test_the_fault_injection_refuses_servers_off_this_machine():
    with pytest.raises(CommandError, match=r"--redis must be on this machine \(loopback\)"):
        call_command("chaos", "--redis", "redis://10.0.0.5:6379/0")
    with pytest.raises(CommandError, match=r"--postgres must be on this machine"):
        call_command("chaos", "--postgres", "postgres://spm@db.example.org/spm")


def imports_django_test(tree: ast.AST) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            names = [node.module, *(f"{node.module}.{alias.name}" for alias in node.names)]
        else:
            continue
        if any(name == "django.test" or name.startswith("django.test.") for name in names):
            return True
    return False


def test_only_the_developers_tools_and_the_tests_use_djangos_test_machinery():
    checked, offending = 0, []
    for path in sorted(ROOT.rglob("*.py")):
        parts = path.relative_to(ROOT).parts
        if parts[0] in MAY_USE_DJANGO_TEST or NOT_OURS & set(parts):
            continue
        checked += 1
        if imports_django_test(ast.parse(path.read_text(encoding="utf-8"), str(path))):
            offending.append(str(path.relative_to(ROOT)))
    assert checked > 30  # the walk found the site's code
    assert offending == []


def test_the_import_check_sees_each_way_of_importing_django_test():
    for source in [
        "from django.test import Client",
        "from django.test.utils import setup_test_environment",
        "import django.test",
        "from django import test",
    ]:
        assert imports_django_test(ast.parse(source)), source
    assert not imports_django_test(ast.parse("from django.testing_other import x"))


# Each benchmark that fills a database, with options that keep it short were it to run.
BENCHMARKS = [
    ("bench_pages", ["--resources", "3", "--seconds", "1"]),
    ("bench_search", ["--resources", "3", "--runs", "1"]),
    ("bench_links", ["--links", "3", "--hosts", "1", "--timeout", "0.5"]),
]


@pytest.mark.parametrize(("command", "options"), BENCHMARKS, ids=[b[0] for b in BENCHMARKS])
def test_a_benchmark_refuses_a_database_holding_the_sites_content_and_changes_nothing(
    db, command, options
):
    call_command("seed", stdout=StringIO())
    assert Resource.objects.count() == 8
    before = (
        sorted(Resource.objects.values_list("slug", "title")),
        Link.objects.count(),
        Tag.objects.count(),
    )

    with pytest.raises(CommandError) as refused:
        call_command(command, *options, stdout=StringIO())

    message = str(refused.value)
    assert f"This database holds 8 resources that {command} did not generate" in message
    assert "Point DATABASE_URL at a scratch database" in message
    after = (
        sorted(Resource.objects.values_list("slug", "title")),
        Link.objects.count(),
        Tag.objects.count(),
    )
    assert after == before
    assert not Resource.objects.filter(slug__startswith="generated-").exists()


def test_a_benchmark_refuses_the_resources_of_an_earlier_run(db):
    links = ["--links", "3", "--hosts", "1", "--timeout", "0.5"]
    call_command("bench_links", *links, stdout=StringIO())
    assert Resource.objects.filter(slug__regex=r"^generated-[0-9]+$").count() == 3

    for command, options in [("bench_links", links), ("bench_search", ["--resources", "3"])]:
        with pytest.raises(CommandError, match="already holds generated resources from an"):
            call_command(command, *options, stdout=StringIO())
    assert Resource.objects.count() == 3


def test_the_search_benchmark_runs_on_a_new_scratch_database(tmp_path):
    # In a process of its own: it sets up Django's test environment, as pytest has here.
    scratch = f"sqlite:///{tmp_path / 'bench.sqlite3'}"
    assert manage("migrate", "--no-input", DATABASE_URL=scratch).returncode == 0
    result = manage("bench_search", "--resources", "30", "--runs", "2", DATABASE_URL=scratch)
    assert result.returncode == 0, result.stderr
    assert "30 resources generated and indexed" in result.stdout
    assert "q='patient engagement'" in result.stdout


def test_the_bench_report_shows_each_figure_beside_its_target(tmp_path, monkeypatch):
    from devtools import targets

    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path / "results.jsonl"))
    targets.at_most("a search after an edit", 12.34, 20)
    targets.at_least("cached / share of the floor", 48.0, 60)
    out = StringIO()
    call_command("bench_report", stdout=out)
    rows = [line.split("  ") for line in out.getvalue().splitlines()]
    cells = [[cell.strip() for cell in row if cell.strip()] for row in rows]
    assert ["a search after an edit", "12.3 ms", "<= 20 ms", "yes"] in cells
    assert ["cached / share of the floor", "48.0 %", ">= 60 %", "NO"] in cells
    assert "1 of 2 targets met" in out.getvalue()


def test_the_bench_report_says_when_nothing_was_measured(tmp_path, monkeypatch):
    monkeypatch.setenv("BENCH_RESULTS", str(tmp_path / "none.jsonl"))
    with pytest.raises(CommandError, match="No figures were recorded"):
        call_command("bench_report")
