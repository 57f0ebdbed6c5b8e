import random
import statistics
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext, setup_test_environment
from django.utils import timezone
from taggit.models import Tag

from resources import search
from resources.models import Creator, Resource, TaggedResource

WORDS = [
    "patient", "engagement", "shared", "decision", "making", "diagnosis", "care", "portal",
    "notes", "open", "access", "records", "communication", "trust", "safety", "caregiver",
    "chronic", "illness", "community", "research", "survey", "informatics", "telehealth",
    "consent", "literacy", "partnership", "clinician", "nurse", "primary", "peer", "support",
    "evidence", "quality", "outcomes", "equity", "family", "medication", "adherence", "digital",
]  # fmt: skip
QUERIES = ["shared decision", "patient portal", "chronic illness", "diagnosis safety"]


class Command(BaseCommand):
    help = (
        "Fill an EMPTY database with N generated resources, then time searches of two "
        "words through the whole site (server time, in this process). Use a scratch "
        "database: `make bench` does."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--resources", type=int, default=10_000)
        parser.add_argument("--runs", type=int, default=40)

    def handle(self, *args: Any, **options: Any) -> None:
        if Resource.objects.exists():
            raise CommandError("This database already holds resources: use an empty one.")
        count = options["resources"]
        started = time.monotonic()
        self.fill(count)
        self.stdout.write(
            f"{connection.vendor}: {count} resources generated and indexed in "
            f"{time.monotonic() - started:.0f} s."
        )
        setup_test_environment()
        client = Client()
        for query in QUERIES:
            client.get("/resources/", {"q": query})  # warm up
            timings = []
            for _ in range(options["runs"]):
                began = time.perf_counter()
                with CaptureQueriesContext(connection) as queries:
                    response = client.get("/resources/", {"q": query})
                timings.append(time.perf_counter() - began)
                assert response.status_code == 200
            timings.sort()
            self.stdout.write(
                f"  q={query!r}: median {statistics.median(timings) * 1000:.1f} ms, "
                f"p95 {timings[int(len(timings) * 0.95)] * 1000:.1f} ms, "
                f"{len(queries)} SQL queries"
            )

    def fill(self, count: int) -> None:
        rng = random.Random(1)
        now = timezone.now()
        with transaction.atomic():
            tags = Tag.objects.bulk_create(
                [Tag(name=f"{w} topic", slug=f"{w}-topic") for w in WORDS[:30]]
            )
            resources = Resource.objects.bulk_create(
                [
                    Resource(
                        title=" ".join(rng.choices(WORDS, k=6)).capitalize(),
                        slug=f"generated-{n}",
                        kind=rng.choice(list(Resource.Kind.values)),
                        summary=(" ".join(rng.choices(WORDS, k=20)).capitalize() + ".")[:280],
                        why_it_matters=" ".join(rng.choices(WORDS, k=120)),
                        position=n,
                        is_published=True,
                        first_published_at=now,
                    )
                    for n in range(count)
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
            search.rebuild()
