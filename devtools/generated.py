"""Generated resources for the benchmarks (`make bench`): plausible text with the word
frequencies of real writing, tagged and with creators, in a database of their own.

A generated resource is known by its slug, generated-<number>: the benchmarks refuse a
database holding any other resource, so that they never write into a site's content."""

import itertools
import random

from django.core.management.base import CommandError
from django.db import connection, transaction
from django.utils import timezone
from taggit.models import Tag

from resources import search
from resources.models import Audience, Creator, Link, Resource, TaggedResource
from spm_site import pagecache

# The slugs that generate() and bench_links give their resources.
GENERATED_SLUG = r"^generated-[0-9]+$"


def generated_slug(n: int) -> str:
    return f"generated-{n}"


def refuse_unless_scratch(command: str) -> None:
    """Stop ``command`` before it writes anything unless the database holds no resource:
    neither the site's own (it would add its resources to the site's list) nor those of an
    earlier run (it generates the same slugs again). The slug only picks the message: a
    resource of the site that staff happened to slug generated-7 is refused all the same."""
    theirs = Resource.objects.exclude(slug__regex=GENERATED_SLUG).order_by("position", "pk")
    count = theirs.count()
    if count:
        first = theirs[0]
        raise CommandError(
            f"This database holds {count} resource{'s' if count != 1 else ''} that {command} "
            f"did not generate (the first is \u201c{first.title}\u201d): {command} adds "
            "generated resources, which would join them on the site. Point DATABASE_URL at a "
            "scratch database, migrated and empty (make bench makes its own in /tmp), and run "
            "it again. Nothing was changed."
        )
    if Resource.objects.exists():
        raise CommandError(
            "This database already holds generated resources from an earlier run, and "
            f"{command} would generate the same ones again. Point DATABASE_URL at a new "
            "scratch database, migrated and empty, and run it again. Nothing was changed."
        )


WORDS = [
    "patient", "engagement", "shared", "decision", "making", "diagnosis", "care", "portal",
    "notes", "open", "access", "records", "communication", "trust", "safety", "caregiver",
    "chronic", "illness", "community", "research", "survey", "informatics", "telehealth",
    "consent", "literacy", "partnership", "clinician", "nurse", "primary", "peer", "support",
    "evidence", "quality", "outcomes", "equity", "family", "medication", "adherence", "digital",
]  # fmt: skip


def vocabulary(rng: random.Random, size: int = 5000) -> tuple[list[str], list[float]]:
    """Words with the frequencies of a real text (Zipf's law): a few very common ones,
    then a long tail. The topic words sit at ranks from 1 to about 2,000, so a query of
    two of them matches from nearly every resource down to a handful."""
    syllables = [
        "ba",
        "ca",
        "de",
        "fi",
        "go",
        "hu",
        "ja",
        "ke",
        "li",
        "mo",
        "nu",
        "pa",
        "qui",
        "ro",
        "su",
        "ta",
        "ve",
        "wo",
        "xa",
        "zo",
        "bre",
        "cla",
        "dri",
    ]
    made: set[str] = set()
    while len(made) < size - len(WORDS):
        made.add("".join(rng.choices(syllables, k=rng.randint(2, 4))))
    words = sorted(made)
    rng.shuffle(words)
    for n, word in enumerate(WORDS):
        words.insert(int(n**2 * 1.3), word)  # ranks 0, 1, 5, 11, ... about 1,900
    weights = [1 / (rank + 1) for rank in range(len(words))]
    return words, weights


def rare_word() -> str:
    """A word of the long tail, in about one generated resource in 250."""
    words, _ = vocabulary(random.Random(1))
    return words[4000]


def generate(count: int, start: int = 0) -> list[Resource]:
    """Add ``count`` published resources (slugs generated-<start>, generated-<start + 1>,
    ...), indexed. A second call with ``start`` past the first one's adds more of the same
    kind, with the same topics."""
    words, weights = vocabulary(random.Random(1))
    cumulative = list(itertools.accumulate(weights))  # once, not at every choice
    rng = random.Random(1 + start)

    def text(k: int) -> str:
        return " ".join(rng.choices(words, cum_weights=cumulative, k=k))

    now = timezone.now()
    with transaction.atomic():
        tags = [
            Tag.objects.get_or_create(slug=f"{w}-topic", defaults={"name": f"{w} topic"})[0]
            for w in WORDS[:30]
        ]
        kinds = list(Resource.Kind.values)
        audiences = list(Audience.values)
        resources = Resource.objects.bulk_create(
            [
                Resource(
                    title=text(6).capitalize(),
                    slug=generated_slug(n),
                    kind=rng.choice(kinds),
                    audience=rng.choice(audiences),
                    summary=(text(20).capitalize() + ".")[:280],
                    why_it_matters=text(120),
                    position=100 + n,
                    is_published=True,
                    first_published_at=now,
                )
                for n in range(start, start + count)
            ],
            batch_size=1000,
        )
        Creator.objects.bulk_create(
            [Creator(resource=r, family_name=rng.choice(WORDS).capitalize(),
                     given_names="A.", position=1) for r in resources],
            batch_size=1000,
        )  # fmt: skip
        TaggedResource.objects.bulk_create(
            [TaggedResource(content_object=r, tag=t)
             for r in resources for t in rng.sample(tags, 3)],
            batch_size=2000,
        )  # fmt: skip
        Link.objects.bulk_create(
            [Link(resource=r, label="Read it", url=f"https://example.org/{r.slug}")
             for r in resources],
            batch_size=1000,
        )  # fmt: skip
        search.add([r.pk for r in resources])
        pagecache.bump()  # bulk_create sends no signals
    # What autovacuum (PostgreSQL) or PRAGMA optimize (SQLite) would do soon after a load
    # this size: without statistics, PostgreSQL tests every row against a search instead of
    # asking the GIN index, and SQLite reads a whole index for a word in a few resources.
    # On PostgreSQL, VACUUM also marks the new rows visible to all, as autovacuum would, so
    # that a count reads the index alone instead of every row of the table as well.
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return resources
