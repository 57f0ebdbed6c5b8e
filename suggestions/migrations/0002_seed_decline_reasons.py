"""A few short answers for declining a suggestion; staff edit them under Decline reasons."""

from django.db import migrations

REASONS = [
    (
        "Not about partnership",
        "The list gathers resources about health professionals and patients working as "
        "partners, and this one is mainly about something else.",
    ),
    (
        "Written for patients, not providers",
        "The list is for health professionals, and this resource speaks mainly to patients "
        "and the public. It may still be very useful to them.",
    ),
    (
        "Could not find it",
        "We could not find or open the resource from what was sent. If you send it again with "
        "its DOI or a web address that works, we will gladly look again.",
    ),
    (
        "Already covered",
        "Resources already on the list cover the same ground, and we keep the list short on "
        "purpose.",
    ),
    (
        "Could not confirm its reliability",
        "We could not confirm where it comes from, or that it is accurate and up to date, "
        "which every resource on the list needs.",
    ),
]


def seed(apps, schema_editor):
    DeclineReason = apps.get_model("suggestions", "DeclineReason")
    for position, (title, text) in enumerate(REASONS, start=1):
        DeclineReason.objects.get_or_create(
            title=title, defaults={"text": text, "position": position * 10}
        )


def unseed(apps, schema_editor):
    titles = [title for title, _ in REASONS]
    apps.get_model("suggestions", "DeclineReason").objects.filter(title__in=titles).delete()


class Migration(migrations.Migration):
    dependencies = [("suggestions", "0001_initial")]

    operations = [migrations.RunPython(seed, unseed)]
