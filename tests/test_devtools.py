"""The developer's tools (benchmarks, load checks, audits) stay out of the product: a
production server does not offer them, and the site's code never leans on Django's test
machinery."""

import ast
from pathlib import Path

from tests.test_settings import PRODUCTION, manage

ROOT = Path(__file__).resolve().parent.parent
TOOLS = [
    "bench_pages",
    "bench_search",
    "bench_links",
    "loadtest",
    "slowclients",
    "lighthouse",
    "audit_dependencies",
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
