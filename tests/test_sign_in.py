"""Signing in to the admin: guessing is throttled, and every attempt is logged."""

import logging

import lxml.html
import pytest
from axes.models import AccessAttempt
from django.contrib.auth.models import User
from django.test import Client
from django_otp.plugins.otp_totp.models import TOTPDevice

from .conftest import app_code, enrolled, page

PASSWORD = "a long enough passphrase"


@pytest.fixture
def staff(db) -> User:
    user = User.objects.create_user("vera", password=PASSWORD, is_staff=True)
    enrolled(user)
    return user


def enter_code(client: Client, user: User, response):
    """The second step, at the address the password step led to."""
    return client.post(
        response["Location"],
        {"code": app_code(TOTPDevice.objects.get(user=user))},
        REMOTE_ADDR="203.0.113.7",
    )


def sign_in(client: Client, password: str, next_url: str = "/admin/"):
    return client.post(
        f"/admin/login/?next={next_url}",
        {"username": "vera", "password": password},
        REMOTE_ADDR="203.0.113.7",
    )


def test_five_wrong_passwords_lock_the_account_from_that_address(client, staff, caplog):
    caplog.set_level(logging.INFO)
    for _ in range(4):
        assert sign_in(client, "wrong").status_code == 200  # the form again, with an error
    locked = sign_in(client, "wrong")

    assert locked.status_code == 429
    text = " ".join(lxml.html.fromstring(locked.content.decode()).xpath("string(//main)").split())
    assert text.startswith("Sign-in paused for this account")
    assert "Try again in 30 minutes, after" in text
    refused = sign_in(client, PASSWORD)
    assert refused.status_code == 429
    assert "_auth_user_id" not in client.session
    logged = caplog.text
    assert "AXES: New login failure" in logged
    assert "AXES: Locking out" in logged


def test_an_administrator_lifts_the_pause_in_the_admin_and_the_right_password_works(
    client, staff, staff_client
):
    for _ in range(5):
        sign_in(client, "wrong")
    assert sign_in(client, PASSWORD).status_code == 429

    (attempt,) = AccessAttempt.objects.all()
    listed = staff_client.get("/admin/axes/accessattempt/")
    assert "vera" in page(listed).text_content()
    removed = staff_client.post(f"/admin/axes/accessattempt/{attempt.pk}/delete/", {"post": "yes"})
    assert removed.status_code == 302

    response = sign_in(client, PASSWORD)
    assert response.status_code == 302
    assert response["Location"] == "/admin/second-factor/?next=%2Fadmin%2F"
    assert enter_code(client, staff, response)["Location"] == "/admin/"


def test_a_successful_sign_in_is_logged(client, staff, caplog):
    caplog.set_level(logging.INFO)
    assert sign_in(client, PASSWORD).status_code == 302
    assert "AXES: Successful login by" in caplog.text


def test_a_refused_next_address_lands_on_the_admin_not_a_404(client, staff):
    response = sign_in(client, PASSWORD, next_url="https://evil.example/steal")
    assert response.status_code == 302
    assert response["Location"] == "/admin/second-factor/?next=%2Fadmin%2F"
    signed_in = enter_code(client, staff, response)
    assert signed_in["Location"] == "/admin/"
    assert client.get(signed_in["Location"]).status_code == 200


def test_passwords_need_twelve_characters(staff_client):
    from django.contrib.auth.password_validation import validate_password
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as error:
        validate_password("Tr0ub4dor&3")
    assert "at least 12 characters" in " ".join(error.value.messages)
    validate_password("correct horse battery")
