"""The "Editors" group: what a volunteer needs to keep the list, and nothing else."""

from django.contrib.auth.management import create_permissions
from django.db import migrations

GROUP = "Editors"
# (app label, model): every model an Editor manages gets add, change, delete and view.
MANAGED = [
    ("resources", "resource"),
    ("resources", "link"),
    ("resources", "creator"),
    ("resources", "taggedresource"),
    ("taggit", "tag"),
    ("principles", "principle"),
    ("principles", "textblock"),
]
# Former addresses are kept by the site itself; Editors only see them.
VIEWED = [("resources", "formerslug")]


def permissions(apps):
    Permission = apps.get_model("auth", "Permission")
    wanted = [
        (app, f"{action}_{model}")
        for app, model in MANAGED
        for action in ("add", "change", "delete", "view")
    ] + [(app, f"view_{model}") for app, model in VIEWED]
    found = []
    for app, codename in wanted:
        found.append(Permission.objects.get(content_type__app_label=app, codename=codename))
    return found


def create_editors(apps, schema_editor):
    # Permissions are normally created after all migrations; this one needs them now.
    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, apps=apps, verbosity=0)
        app_config.models_module = None
    Group = apps.get_model("auth", "Group")
    group, _ = Group.objects.get_or_create(name=GROUP)
    group.permissions.set(permissions(apps))


def remove_editors(apps, schema_editor):
    apps.get_model("auth", "Group").objects.filter(name=GROUP).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0005_resource_version_counter"),
        ("principles", "0002_version_counters"),
        ("taggit", "0006_rename_taggeditem_content_type_object_id_taggit_tagg_content_8fc721_idx"),
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
    ]

    operations = [migrations.RunPython(create_editors, remove_editors)]
