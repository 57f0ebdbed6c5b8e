"""Staff sign in with a password, then a code: nothing of the admin opens on a password alone."""

import io
import logging
from base64 import b32decode
from urllib.parse import parse_qs, urlsplit

import lxml.html
import pytest
from axes.models import AccessAttempt
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Permission, User
from django.core.management import CommandError, call_command
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_static.models import StaticDevice, StaticToken
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import (
    app_code,
    decode_qr,
    editor,
    enrolled,
    form_values,
    messages_shown,
    nu_errors,
    page,
)

ADDRESS = "203.0.113.9"
STEP_TWO = "/admin/second-factor/"
ENROL = "/admin/second-factor/enrol/"


@pytest.fixture
def vera(db) -> User:
    """An editor who has set up her authenticator app."""
    user = editor("vera")
    enrolled(user)
    return user


def password_step(client: Client, username: str = "vera", password: str = "x", next_url="/admin/"):
    return client.post(
        f"/admin/login/?next={next_url}",
        {"username": username, "password": password},
        REMOTE_ADDR=ADDRESS,
    )


def code_step(client: Client, url: str, code: str):
    """Type ``code`` into the form at ``url`` (the second step or enrolment) and send it."""
    values = form_values(client, url, "second-factor-form")
    return client.post(url, {**values, "code": code}, REMOTE_ADDR=ADDRESS)


def field_errors(response) -> list[str]:
    document = page(response)
    return [
        " ".join(e.text_content().split()) for e in document.xpath("//ul[@class='errorlist']/li")
    ]


def heading(response) -> str:
    return " ".join(page(response).xpath("string(//div[@id='content']//h1)").split())


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/resources/resource/",
        "/admin/resources/resource/{pk}/change/",
        "/admin/resources/resource/{pk}/history/",
        "/admin/resources/resource/links/",
        "/admin/resources/resource/import/",
        "/admin/resources/resource/add-from-identifiers/",
        "/admin/suggestions/suggestion/",
        "/admin/auth/user/",
        "/admin/password_change/",
        "/admin/axes/accessattempt/",
    ],
)
def test_a_password_alone_opens_no_admin_page(client, vera, make_resource, path):
    resource = make_resource(title="A draft nobody outside may see", is_published=False)
    assert password_step(client)["Location"] == f"{STEP_TWO}?next=%2Fadmin%2F"
    assert "_auth_user_id" in client.session  # the password was right

    response = client.get(path.format(pk=resource.pk), follow=True)

    assert response.request["PATH_INFO"] == STEP_TWO
    assert all(status == 302 for _, status in response.redirect_chain)
    assert heading(response) == "Second step: your code"
    text = page(response).text_content()
    assert "A draft nobody outside may see" not in text
    assert not page(response).xpath("//nav[@id='nav-sidebar'] | //div[@id='user-tools']")


def test_a_password_alone_shows_no_draft_on_the_public_site(client, vera, make_resource):
    draft = make_resource(title="Not yet published", is_published=False)
    password_step(client)
    assert client.get(draft.get_absolute_url()).status_code == 404
    code = app_code(TOTPDevice.objects.get(user=vera))
    assert code_step(client, STEP_TWO, code).status_code == 302
    assert "Not yet published" in page(client.get(draft.get_absolute_url())).text_content()


def test_the_code_from_the_app_opens_the_page_asked_for(client, vera):
    response = password_step(client, next_url="/admin/resources/resource/")
    assert response["Location"] == f"{STEP_TWO}?next=%2Fadmin%2Fresources%2Fresource%2F"
    asked = client.get(response["Location"])
    assert "no-store" in asked["Cache-Control"]
    (field,) = page(asked).xpath("//form[@id='second-factor-form']//input[@name='code']")
    assert field.get("autocomplete") == "one-time-code"
    assert field.get("aria-describedby") == "id_code_helptext"

    typed = code_step(client, response["Location"], app_code(TOTPDevice.objects.get(user=vera)))

    assert typed["Location"] == "/admin/resources/resource/"
    assert page(client.get("/admin/resources/resource/")).xpath("//div[@id='changelist']")


def test_a_wrong_code_is_refused_with_a_clear_error(client, vera):
    password_step(client)
    right = app_code(TOTPDevice.objects.get(user=vera))
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"

    response = code_step(client, STEP_TWO, wrong)

    assert response.status_code == 200
    assert field_errors(response) == [
        "That code is not right, or has already been used. Type the six digits the app shows "
        "now, or an unused recovery code."
    ]
    assert client.get("/admin/").status_code == 302
    assert code_step(client, STEP_TWO, right).status_code == 302
    assert client.get("/admin/").status_code == 200


def test_a_code_from_the_app_works_once(client, vera):
    code = app_code(TOTPDevice.objects.get(user=vera))
    password_step(client)
    assert code_step(client, STEP_TWO, code).status_code == 302
    client.post("/admin/logout/")
    password_step(client)
    assert field_errors(code_step(client, STEP_TWO, code))[0].startswith("That code is not right")


def test_first_sign_in_enrols_from_the_qr_code_and_shows_ten_recovery_codes_once(client, db):
    user = editor("nina")
    assert password_step(client, "nina")["Location"] == f"{STEP_TWO}?next=%2Fadmin%2F"
    enrol = client.get(f"{STEP_TWO}?next=%2Fadmin%2F", follow=True)
    assert enrol.request["PATH_INFO"] == ENROL
    assert "no-store" in enrol["Cache-Control"]
    document = page(enrol)
    (svg,) = document.xpath("//figure[@class='second-factor-qr']/svg")
    link = urlsplit(decode_qr(lxml.html.tostring(svg, encoding="unicode")))
    params = parse_qs(link.query)
    assert (link.scheme, link.netloc, link.path) == ("otpauth", "totp", "/SPM%20Resources%3Anina")
    assert params["issuer"] == ["SPM Resources"]
    assert (params["digits"], params["period"], params["algorithm"]) == (["6"], ["30"], ["SHA1"])
    (secret,) = params["secret"]
    shown = document.xpath("string(//code[@id='second-factor-secret'])")
    assert shown.replace(" ", "") == secret
    assert len(shown.split(" ")[0]) == 4
    # The same secret until a code confirms it: reloading does not change what was scanned.
    assert page(client.get(ENROL)).xpath("string(//code[@id='second-factor-secret'])") == shown

    app = TOTP(b32decode(secret + "=" * (-len(secret) % 8)))  # what the phone computes
    right = f"{app.token():06d}"
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    refused = code_step(client, ENROL, wrong)
    assert field_errors(refused) == [
        "That code is not right. Check that the app shows the entry for SPM Resources, and "
        "type the six digits it shows now."
    ]
    assert client.get("/admin/").status_code == 302

    confirmed = code_step(client, ENROL, right)
    assert confirmed["Location"] == "/admin/second-factor/recovery-codes/?next=%2Fadmin%2F"
    shown_once = page(client.get(confirmed["Location"]))
    codes = shown_once.xpath("//ol[@class='second-factor-code-list']/li/code/text()")
    assert len(codes) == len(set(codes)) == 10
    note = shown_once.xpath("string(//p[@class='errornote'])")
    assert note == "Store these ten recovery codes now: they are shown only this once."
    (onward,) = shown_once.xpath("//a[@class='button']/@href")
    assert onward == "/admin/"
    again = client.get(confirmed["Location"])
    assert again["Location"] == "/admin/"  # never shown a second time
    assert client.get("/admin/").status_code == 200

    # The next sign-in asks for a code, and one of the recovery codes is taken.
    client.post("/admin/logout/")
    password_step(client, "nina")
    assert heading(client.get(STEP_TWO)) == "Second step: your code"
    assert code_step(client, STEP_TWO, codes[3]).status_code == 302
    assert TOTPDevice.objects.get(user=user).confirmed


def test_a_recovery_code_works_once_typed_as_shown_or_in_capitals(client, vera):
    device = StaticDevice.objects.create(user=vera, name="Recovery codes")
    for token in ("k7wq2mzp", "r4td6nxa", "b2hy5c3e"):
        StaticToken.objects.create(device=device, token=token)

    password_step(client)
    signed_in = code_step(client, STEP_TWO, "K7WQ 2MZP")
    assert signed_in["Location"] == "/admin/"
    assert messages_shown(client.get("/admin/")) == [
        "You signed in with a recovery code, which now no longer works; 2 of your recovery "
        "codes are left. If your phone is lost, ask a superuser to reset your second factor."
    ]

    client.post("/admin/logout/")
    password_step(client)
    assert field_errors(code_step(client, STEP_TWO, "k7wq2mzp"))[0].startswith(
        "That code is not right, or has already been used."
    )
    assert code_step(client, STEP_TWO, "r4td6nxa")["Location"] == "/admin/"


def locked_page_text(response) -> str:
    assert response.status_code == 429
    document = lxml.html.fromstring(response.content.decode())
    return " ".join(document.xpath("string(//main)").split())


def test_wrong_codes_count_towards_the_lockout_with_wrong_passwords(client, vera, caplog):
    caplog.set_level(logging.INFO)
    right = app_code(TOTPDevice.objects.get(user=vera))
    wrong = f"{(int(right) + 500_000) % 1_000_000:06d}"
    assert password_step(client, password="wrong").status_code == 200
    assert password_step(client, password="wrong").status_code == 200
    password_step(client)
    assert code_step(client, STEP_TWO, wrong).status_code == 200
    # A right password again does not forgive the wrong codes: only both steps do.
    password_step(client)
    assert code_step(client, STEP_TWO, wrong).status_code == 200
    locked = code_step(client, STEP_TWO, wrong)

    assert locked_page_text(locked).startswith("Sign-in paused for this account")
    assert "wrong passwords or sign-in codes" in locked_page_text(locked)
    assert "_auth_user_id" not in client.session  # signed out: the password is asked again
    assert "AXES: Locking out" in caplog.text
    (attempt,) = AccessAttempt.objects.all()
    assert (attempt.username, attempt.failures_since_start) == ("vera", 5)
    assert password_step(client).status_code == 429


def test_a_session_halfway_in_is_refused_once_the_pause_starts(client, vera):
    password_step(client)  # this browser passed the password
    other = Client()
    for _ in range(5):
        password_step(other, password="wrong")
    right = app_code(TOTPDevice.objects.get(user=vera))
    response = client.post(STEP_TWO, {"code": right}, REMOTE_ADDR=ADDRESS)
    assert locked_page_text(response).startswith("Sign-in paused for this account")
    assert client.get("/admin/").status_code == 302


def test_a_wrong_code_is_not_kept_in_the_record_of_failures(client, vera):
    password_step(client)
    code_step(client, STEP_TWO, "k7wq2mzq")
    (attempt,) = AccessAttempt.objects.all()
    assert "code=********************" in attempt.post_data
    assert "k7wq2mzq" not in attempt.post_data


def test_the_second_step_without_a_password_leads_to_the_password_step(client, db):
    for path in (STEP_TWO, ENROL, "/admin/second-factor/recovery-codes/"):
        response = client.get(path)
        assert response.status_code == 302, path
        assert response["Location"].startswith("/admin/login/?next="), path
    assert client.post(STEP_TWO, {"code": "123456"})["Location"] == "/admin/login/?next=%2Fadmin%2F"
    assert not AccessAttempt.objects.exists()


def test_an_overlong_code_gets_a_form_error(client, vera):
    password_step(client)
    response = code_step(client, STEP_TWO, "9" * 500)
    assert field_errors(response) == ["Ensure this value has at most 40 characters (it has 500)."]


def test_passing_both_steps_forgives_the_failures_before(client, vera):
    right = app_code(TOTPDevice.objects.get(user=vera))
    password_step(client, password="wrong")
    password_step(client)
    code_step(client, STEP_TWO, f"{(int(right) + 500_000) % 1_000_000:06d}")
    assert AccessAttempt.objects.get().failures_since_start == 2
    assert code_step(client, STEP_TWO, right).status_code == 302
    assert not AccessAttempt.objects.exists()


def test_signing_out_works_halfway_through_signing_in(client, vera):
    password_step(client)
    step = page(client.get(STEP_TWO))
    (sign_out,) = step.xpath("//form[@class='second-factor-sign-out']/@action")
    assert sign_out == "/admin/logout/"
    client.post(sign_out)
    assert "_auth_user_id" not in client.session


def test_the_reset_command_makes_the_user_enrol_again_and_is_logged(vera, caplog):
    caplog.set_level(logging.INFO)
    vera_browser = Client()
    password_step(vera_browser)
    code_step(vera_browser, STEP_TWO, app_code(TOTPDevice.objects.get(user=vera)))
    assert vera_browser.get("/admin/").status_code == 200
    out = io.StringIO()

    call_command("reset_second_factor", "vera", stdout=out)

    assert out.getvalue() == (
        "Second factor reset for vera: they set up an authenticator app again at their next "
        "sign-in.\n"
    )
    assert not TOTPDevice.objects.filter(user=vera).exists()
    (entry,) = LogEntry.objects.filter(object_id=str(vera.pk))
    assert entry.get_change_message() == (
        "Reset the second factor (manage.py reset_second_factor, by an operator on the "
        "server): enrols again at next sign-in."
    )
    assert "Second factor: reset for vera by an operator on the server" in caplog.text
    # The session the phone verified no longer counts: the next page asks to enrol.
    assert vera_browser.get("/admin/", follow=True).request["PATH_INFO"] == ENROL


def test_the_reset_command_explains_an_unknown_user(db):
    with pytest.raises(CommandError) as error:
        call_command("reset_second_factor", "nobody")
    assert str(error.value) == (
        'No user is named "nobody". Usernames are listed in the admin, under Users; they are '
        "case-sensitive."
    )


def enrolment_shown(listing, username: str) -> str:
    """What the list of users says (its yes/no icon) of whether ``username`` has enrolled."""
    (row,) = listing.xpath(f"//table[@id='result_list']//tr[.//th/a[.='{username}']]")
    (icon,) = row.xpath(".//td[contains(@class, 'field-has_second_factor')]/img/@alt")
    return icon


def test_a_superuser_resets_a_lost_phone_from_the_list_of_users(staff_client, vera, caplog):
    caplog.set_level(logging.INFO)
    listing = page(staff_client.get("/admin/auth/user/"))
    assert "reset_second_factor" in listing.xpath("//select[@name='action']/option/@value")
    assert enrolment_shown(listing, "vera") == "True"

    response = staff_client.post(
        "/admin/auth/user/",
        {"action": "reset_second_factor", "_selected_action": [vera.pk]},
        follow=True,
    )

    assert messages_shown(response) == [
        "Second factor reset for vera: they set up an authenticator app again at their next "
        "sign-in."
    ]
    assert not TOTPDevice.objects.filter(user=vera).exists()
    (entry,) = LogEntry.objects.filter(object_id=str(vera.pk))
    assert entry.user.username == "admin"
    assert "(admin action, by admin)" in entry.get_change_message()
    assert "Second factor: reset for vera by admin (admin action)" in caplog.text
    assert enrolment_shown(page(staff_client.get("/admin/auth/user/")), "vera") == "False"
    browser = Client()
    password_step(browser)
    assert browser.get(STEP_TWO, follow=True).request["PATH_INFO"] == ENROL


def test_staff_who_are_not_superusers_cannot_reset_a_second_factor(vera):
    manager = editor("manager")
    manager.user_permissions.add(
        *Permission.objects.filter(codename__in=["view_user", "change_user"])
    )
    enrolled(manager)
    browser = Client()
    password_step(browser, "manager")
    code_step(browser, STEP_TWO, app_code(TOTPDevice.objects.get(user=manager)))
    listing = page(browser.get("/admin/auth/user/"))
    assert listing.xpath("//div[@id='changelist']")
    assert "reset_second_factor" not in listing.xpath("//select[@name='action']/option/@value")

    browser.post(
        "/admin/auth/user/", {"action": "reset_second_factor", "_selected_action": [vera.pk]}
    )

    assert TOTPDevice.objects.filter(user=vera).exists()
    assert not LogEntry.objects.filter(object_id=str(vera.pk)).exists()


def test_the_new_pages_are_valid_html(client, db, nu_checker, tmp_path):
    user = editor("nina")
    password_step(client, "nina")
    pages = {"enrol": client.get(ENROL)}
    pages["enrol, wrong code"] = code_step(client, ENROL, "12345")
    device = TOTPDevice.objects.get(user=user)
    confirmed = code_step(client, ENROL, app_code(device))
    pages["recovery codes"] = client.get(confirmed["Location"])
    client.post("/admin/logout/")
    password_step(client, "nina")
    pages["code"] = client.get(STEP_TWO)
    pages["code, wrong"] = code_step(client, STEP_TWO, "abc")
    sources = {}
    for number, (name, response) in enumerate(pages.items()):
        assert response.status_code == 200, name
        (tmp_path / f"{number}.html").write_bytes(response.content)
        sources[f"{number}.html"] = name

    errors = nu_errors(nu_checker, tmp_path, sources)
    assert not errors, "\n".join(errors)
