"""Move the free-text creators, the year and full date, and any capitalised slug to the new fields.

A creators text such as "Tom Delbanco, MD, and Jan Walker, RN, MBA" becomes one creator a
person, with credentials kept for the byline. When a text cannot be split without dropping or
reordering a word (nicknames in brackets, "with ..."), it is kept whole as one entry so that
the byline reads exactly as before and staff can split it in the admin.
"""

import re

from django.db import migrations

CREDENTIAL_RE = re.compile(r"^(?:[A-Z][A-Za-z]{0,4}\.?|Jr\.?|Sr\.?|I{2,3})$")
ORGANISATION_WORDS = {
    "group", "society", "center", "centre", "foundation", "institute", "university",
    "association", "college", "project", "organization", "organisation", "council",
    "committee", "hospital", "department", "network", "coalition", "alliance", "team",
    "agency", "trust", "clinic", "program", "programme", "initiative",
}  # fmt: skip


def words(text):
    """The words of a byline, leaving out the joining words and punctuation."""
    tokens = re.findall(r"[^\s,;&]+", text)
    return [t for t in tokens if t.lower() not in {"and", "&"}]


def split_creators(text):
    """Creators as dicts (given_names, family_name, organisation, credentials), or None."""
    text = " ".join(text.split())
    if not text:
        return []
    if re.search(r"[()\[\]]|\bwith\b|\bet al\b", text):
        return None
    chunks = [c.strip() for c in re.split(r"\s*(?:;|,\s*and\s|\sand\s|\s&\s|,)\s*", text)]
    creators = []
    for chunk in filter(None, chunks):
        if CREDENTIAL_RE.match(chunk) and creators and not creators[-1]["organisation"]:
            previous = creators[-1]
            previous["credentials"] = ", ".join(filter(None, [previous["credentials"], chunk]))
            continue
        names = chunk.split()
        if len(names) > 4 or ORGANISATION_WORDS & {n.lower().strip(".") for n in names}:
            creators.append(
                {"given_names": "", "family_name": "", "organisation": chunk, "credentials": ""}
            )
        elif len(names) >= 2:
            creators.append(
                {
                    "given_names": " ".join(names[:-1]),
                    "family_name": names[-1],
                    "organisation": "",
                    "credentials": "",
                }
            )
        else:
            return None
    kept = []
    for creator in creators:
        kept += words(
            " ".join(
                creator[f]
                for f in ("given_names", "family_name", "organisation", "credentials")
                if creator[f]
            )
        )
    return creators if kept == words(text) else None


def move_creators_dates_and_slugs(apps, schema_editor):
    Resource = apps.get_model("resources", "Resource")
    Creator = apps.get_model("resources", "Creator")
    FormerSlug = apps.get_model("resources", "FormerSlug")
    taken = set(Resource.objects.values_list("slug", flat=True))
    for resource in Resource.objects.order_by("pk"):
        parsed = split_creators(resource.creators)
        if parsed is None:
            parsed = [{"organisation": " ".join(resource.creators.split())}]
        for position, fields in enumerate(parsed, start=1):
            Creator.objects.create(resource=resource, position=position * 10, **fields)

        if resource.published_on:
            resource.issued = resource.published_on.isoformat()
        elif resource.year:
            resource.issued = str(resource.year)
        if resource.kind == "journal-article" and resource.publisher:
            resource.container_title, resource.publisher = resource.publisher, ""

        if resource.slug != resource.slug.lower():
            old, new = resource.slug, resource.slug.lower()
            if new in taken:
                new = f"{new}-{resource.pk}"
            taken.add(new)
            FormerSlug.objects.create(resource=resource, slug=old)
            resource.slug = new
        resource.save()


class Migration(migrations.Migration):
    dependencies = [
        ("resources", "0002_structured_creators_partial_dates_former_slugs"),
    ]

    operations = [
        migrations.RunPython(move_creators_dates_and_slugs, migrations.RunPython.noop),
    ]
