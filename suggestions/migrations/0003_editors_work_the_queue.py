"""Editors work the suggestion queue: they see and decide suggestions (and may delete one),
see the +1s, and keep the decline reasons. The outbox (it holds addresses) stays with
superusers."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"
WANTED = [
    ("suggestions", "view_suggestion"),
    ("suggestions", "change_suggestion"),
    ("suggestions", "delete_suggestion"),
    ("suggestions", "view_plusone"),
    ("suggestions", "add_declinereason"),
    ("suggestions", "change_declinereason"),
    ("suggestions", "delete_declinereason"),
    ("suggestions", "view_declinereason"),
]


def permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    return [
        Permission.objects.get(content_type__app_label=app, codename=codename)
        for app, codename in WANTED
    ]


def give(apps, schema_editor):
    # Permissions are normally created after all migrations; these are needed now.
    app_config = apps.get_app_config("suggestions")
    app_config.models_module = True
    create_permissions(app_config, apps=apps, verbosity=0)
    app_config.models_module = None
    group, _ = apps.get_model("auth", "Group").objects.get_or_create(name=GROUP)
    group.permissions.add(*permissions(apps))


def take_back(apps, schema_editor):
    group = apps.get_model("auth", "Group").objects.filter(name=GROUP).first()
    if group is not None:
        group.permissions.remove(*permissions(apps))


class Migration(migrations.Migration):
    dependencies = [
        ("suggestions", "0002_seed_decline_reasons"),
        ("resources", "0006_editors_group"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(give, take_back)]
