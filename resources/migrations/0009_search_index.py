"""The full-text search index: an FTS5 table on SQLite, a tsvector table with a GIN index
on PostgreSQL (see resources/search.py). It is filled after migrating."""

from django.db import migrations


def create(apps, schema_editor):
    from resources import search

    search.backend().create()


def drop(apps, schema_editor):
    from resources import search

    search.backend().drop()


class Migration(migrations.Migration):
    dependencies = [("resources", "0008_seed_loads")]

    operations = [migrations.RunPython(create, drop)]
