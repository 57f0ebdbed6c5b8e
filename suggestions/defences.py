"""The suggestion form, and what keeps bots out of the queue without losing a person's words.

Layers, cheapest first, with no third-party service and nothing for a person to solve:

1. **A rate limit per network**: at most ``SUGGESTION_RATE_LIMIT`` posts an hour from one
   IPv4 address or IPv6 /64 (a home or office network hands its machines a /64), counted
   by the real client address behind ``TRUSTED_PROXIES``. Over it, a 429 with the text kept.
2. **A honeypot**: a field people never see (hidden by a class in site.css, skipped by the
   keyboard and by screen readers, named so that autofill leaves it alone) and bots fill in.
3. **A signed token** in the form, carrying when the page was served and a random nonce:
   posted within ``MIN_SECONDS`` (no person reads and writes that fast), or a second time
   (the nonce was seen), is a bot; after ``MAX_SECONDS`` the form is shown again with the
   text kept, to send again.
4. **Content rules**, as ordinary field errors: http and https addresses only, at most two
   links in the note.

What layers 2 and 3 catch gets the same thank-you page as a person and is stored as spam,
so a person wrongly caught is never silently lost: staff can rescue it.

The tokens seen and each network's recent posts live in the "defences" cache, which every
worker and app server shares (Redis, else a table in the database); a network is known
there only by a keyed hash.
"""

from __future__ import annotations

import ipaddress
import logging
import math
import re
import secrets
import time
from dataclasses import dataclass
from typing import Any, Literal

from django import forms
from django.conf import settings
from django.core import signing
from django.core.cache import caches
from django.http import HttpRequest
from django.utils.crypto import salted_hmac

from outbox.delivery import one_line
from resources.identifiers import Identifier, Unrecognised, recognise

logger = logging.getLogger(__name__)

MIN_SECONDS = 3  # sooner than this after the page was served, a post is a bot's
MAX_SECONDS = 20 * 60 * 60  # later than this, the form is shown again to send again
WINDOW = 60 * 60  # the rate limit counts posts over the last hour
RECEIPTS_PER_DAY = 3  # receipts mailed to one address a day: the form is no mail cannon
MAX_LINKS = 2  # links in the note
HONEYPOT = "favourite_colour"  # no autofill or password manager fills a favourite colour
TOKEN = "token"
TOKEN_SALT = "suggestions.form-token"


def clock() -> float:
    """The time the token and the rate limit read (tests move it)."""
    return time.time()


def shared() -> Any:
    return caches["defences"]


# The signed token


def issue_token(issued_at: float | None = None) -> str:
    """A token for one form: when it was served (``issued_at`` keeps an earlier time when
    the form is shown again) and a nonce, signed with SECRET_KEY."""
    issued = clock() if issued_at is None else issued_at
    return signing.dumps({"t": round(issued, 3), "n": secrets.token_urlsafe(16)}, salt=TOKEN_SALT)


@dataclass(frozen=True)
class Verdict:
    """What the defences make of one post."""

    kind: Literal["person", "bot", "expired"]
    reason: str = ""
    issued_at: float | None = None

    @property
    def is_bot(self) -> bool:
        return self.kind == "bot"


def judge(data: Any) -> Verdict:
    """A post's honeypot and token, checked; a genuine token's nonce is used up."""
    if str(data.get(HONEYPOT, "")).strip():
        return Verdict("bot", "filled in the hidden field")
    try:
        payload = signing.loads(str(data.get(TOKEN, "")), salt=TOKEN_SALT)
        issued, nonce = float(payload["t"]), str(payload["n"])
    except (signing.BadSignature, KeyError, TypeError, ValueError):
        return Verdict("bot", "no valid form token")
    age = clock() - issued
    if age > MAX_SECONDS:
        return Verdict("expired", issued_at=issued)
    # Used up by any post, even one too fast: a token tried once is never a person's again.
    if not first_use(nonce):
        return Verdict("bot", "sent a form token used before", issued)
    if age < MIN_SECONDS:
        return Verdict("bot", f"sent {max(age, 0):.1f} s after the form was served", issued)
    return Verdict("person", issued_at=issued)


def first_use(nonce: str) -> bool:
    """True the first time a nonce is seen (remembered for as long as its token lasts)."""
    try:
        return bool(shared().add(f"nonce:{nonce}", 1, timeout=MAX_SECONDS + 60))
    except Exception:  # the cache is down: the other layers still stand
        logger.warning("The defences cache did not answer; a form token was not checked for reuse.")
        return True


# The client's network, and the rate limit


def client_address(request: HttpRequest) -> str:
    """The client's address: TRUSTED_PROXIES entries from the right of X-Forwarded-For (each
    proxy adds the address it was reached from), else the connection's own address."""
    remote = str(request.META.get("REMOTE_ADDR", ""))
    hops = settings.TRUSTED_PROXIES
    if hops:
        forwarded = [
            part.strip()
            for part in str(request.META.get("HTTP_X_FORWARDED_FOR", "")).split(",")
            if part.strip()
        ]
        if len(forwarded) >= hops:
            candidate = forwarded[-hops]
            try:
                ipaddress.ip_address(candidate)
                return candidate
            except ValueError:
                pass
    return remote


def network_of(address: str) -> str:
    """An IPv4 address itself; an IPv6 address's /64 (an IPv4 one in IPv6 form as IPv4)."""
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.ip_network(f"{ip}/64", strict=False))
    return str(ip)


def network_hash(request: HttpRequest) -> str:
    """The client's network as a keyed hash (HMAC with SECRET_KEY): never the address."""
    network = network_of(client_address(request))
    return salted_hmac("suggestions.network", network, algorithm="sha256").hexdigest()


def take_turn(name: str, limit: int, window: int = WINDOW) -> int:
    """Take one of ``limit`` turns that ``name`` has per ``window`` seconds: 0 when one was
    free (it is taken for ``window`` seconds), else the seconds until the next frees up.

    Each turn is a cache entry added atomically (``add``), so workers and servers sharing
    the cache never both take the last one; the window slides with each turn's expiry.
    """
    keys = [f"turn:{name}:{n}" for n in range(limit)]
    try:
        cache = shared()
        now = clock()
        taken = cache.get_many(keys)
        for key in keys:
            if key not in taken and cache.add(key, now, timeout=window):
                return 0
        taken = cache.get_many(keys)
    except Exception:  # the cache is down: let the post through rather than lose it
        logger.warning("The defences cache did not answer; a rate limit was not applied.")
        return 0
    if len(taken) < limit:
        return 1  # a turn freed up just now
    oldest = min(float(value) for value in taken.values())
    return max(1, math.ceil(oldest + window - now))


def rate_limited(network: str) -> int:
    """Seconds this network must wait before it may post again (0: it may post now)."""
    return take_turn(f"post:{network}", settings.SUGGESTION_RATE_LIMIT)


def may_mail_receipt(email: str) -> bool:
    """Whether a receipt may go to ``email`` today (a few a day, however many networks ask)."""
    name = salted_hmac("suggestions.receipt", email.lower(), algorithm="sha256").hexdigest()
    return take_turn(f"receipt:{name}", RECEIPTS_PER_DAY, window=24 * 60 * 60) == 0


# The form


LINK = re.compile(r"(?:https?://|www\.)\S+", re.IGNORECASE)
# A scheme other than the web's ("javascript:", "data:", "ftp://") before anything else.
OTHER_SCHEME = re.compile(
    r"^\s*(?!https?:)(?:[a-z][a-z0-9+.-]*://|(?:javascript|data|vbscript|file|mailto):)", re.I
)


class SuggestionForm(forms.Form):
    """What a member sends. The honeypot and the token are not fields: the defences read
    them from the post, whatever the form makes of the rest."""

    identifier = forms.CharField(
        label="DOI, PubMed ID, ISBN or web address",
        max_length=500,
        error_messages={"required": "Enter a DOI, PubMed ID, ISBN or web address."},
        help_text="For example 10.1056/NEJMp1109283, PMID 23035789, 978-0-19-872969-2 or "
        "https://www.opennotes.org/.",
        widget=forms.TextInput(attrs={"autocomplete": "off", "spellcheck": "false"}),
    )
    note = forms.CharField(
        label="Why would it help providers?",
        max_length=2000,
        error_messages={
            "required": "Say in a few words why it would help providers.",
            "max_length": "Please keep the note to %(limit_value)s characters at most (it has "
            "%(show_value)s).",
        },
        help_text="A few sentences, at most 2,000 characters and two links. Please do not "
        "include any patient\u2019s health information.",
        widget=forms.Textarea(attrs={"rows": 6, "cols": 60, "data-max-length": "2000"}),
    )
    name = forms.CharField(
        label="Your name",
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"autocomplete": "name"}),
    )
    email = forms.EmailField(
        label="Your email",
        max_length=254,
        required=False,
        error_messages={
            "invalid": "Enter an email address like name@example.org, or leave it empty."
        },
        help_text="Only to tell you whether it was added. Leave it empty to stay anonymous.",
        widget=forms.EmailInput(attrs={"autocomplete": "email", "spellcheck": "false"}),
    )

    FIELDS = ("identifier", "note", "name", "email")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # Not maxlength: a browser would cut a longer paste without a word. The field's
        # error says how long it is, with the text kept.
        self.fields["note"].widget.attrs.pop("maxlength", None)
        self.recognised: Identifier | None = None

    @classmethod
    def kept(cls, data: Any) -> SuggestionForm:
        """A form showing what was posted, without checking it (to send again later)."""
        return cls(initial={name: str(data.get(name, ""))[:5000] for name in cls.FIELDS})

    def clean_identifier(self) -> str:
        text = one_line(self.cleaned_data["identifier"], 500)
        if OTHER_SCHEME.match(text):
            raise forms.ValidationError(
                "Only web addresses starting with http:// or https:// can be suggested."
            )
        try:
            self.recognised = recognise(text)
        except Unrecognised as error:
            raise forms.ValidationError(str(error)) from error
        return text

    def clean_note(self) -> str:
        note = self.cleaned_data["note"].replace("\r\n", "\n").replace("\r", "\n").strip()
        links = len(LINK.findall(note))
        if links > MAX_LINKS:
            raise forms.ValidationError(
                f"Please include at most {MAX_LINKS} links in the note (it has {links})."
            )
        return note

    def clean_name(self) -> str:
        return one_line(self.cleaned_data["name"], 100)

    def clean_email(self) -> str:
        return self.cleaned_data["email"].strip()
