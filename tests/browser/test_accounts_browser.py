import pytest
from playwright.sync_api import expect

from accounts.models import User

from .mailbox import confirm_address_from_email

pytestmark = pytest.mark.django_db(transaction=True)

PASSWORD = "calf-cramps-at-3am"


def test_patient_signs_up_logs_out_and_logs_back_in(page, screenshot):
    page.goto("/")
    expect(page.get_by_role("heading", level=1)).to_contain_text("muscle cramps")
    screenshot(page, "landing")

    page.get_by_role("link", name="Sign up, it is free").click()
    page.get_by_label("Your name*").fill("Ada Cramp")
    page.get_by_label("Email*").fill("ada@example.org")
    expect(page.get_by_label("A patient: I want to log my cramps")).to_be_checked()
    expect(page.get_by_label("Clinicians: profession, registration number and workplace")).to_be_hidden()
    page.get_by_label("Password*", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)*").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    confirm_address_from_email(page, "ada@example.org")

    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada Cramp")
    assert User.objects.get(email="ada@example.org").role == "patient"

    page.get_by_role("button", name="Log out").click()
    expect(page.get_by_role("heading", level=1)).to_contain_text("muscle cramps")

    page.get_by_role("navigation").get_by_role("link", name="Log in").click()
    page.get_by_label("Email*").fill("ada@example.org")
    page.get_by_label("Password*").fill(PASSWORD)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Hello, Ada Cramp")


def test_clinician_signs_up_and_sees_the_pending_verification_notice(page):
    page.goto("/accounts/signup/")
    page.get_by_label("Your name*").fill("Dr Nora Nerve")
    page.get_by_label("Email*").fill("nora@example.org")
    page.get_by_label("A clinician: my patients will share their logs with me").check()
    details = page.get_by_label("Clinicians: profession, registration number and workplace")
    expect(details).to_be_visible()
    details.fill("Neurologist, GMC 1234567, City Hospital")
    page.get_by_label("Password*", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)*").fill(PASSWORD)
    page.get_by_role("button", name="Sign up").click()
    confirm_address_from_email(page, "nora@example.org")

    notice = page.get_by_role("region", name="Your clinician account is waiting for verification")
    expect(notice).to_be_visible()
    expect(notice).to_contain_text("Neurologist, GMC 1234567")
    assert User.objects.get(email="nora@example.org").is_pending_clinician


def test_signup_errors_appear_next_to_the_field_and_keep_what_was_typed(page):
    page.goto("/accounts/signup/")
    page.get_by_label("Your name*").fill("Ada Cramp")
    page.get_by_label("Email*").fill("ada@example.org")
    page.get_by_label("Password*", exact=True).fill(PASSWORD)
    page.get_by_label("Password (again)*").fill("something-else-entirely")
    page.get_by_role("button", name="Sign up").click()

    expect(page.locator("#id_password2").locator("xpath=..")).to_contain_text("same password each time")
    expect(page.get_by_label("Your name*")).to_have_value("Ada Cramp")
    expect(page.get_by_label("Email*")).to_have_value("ada@example.org")
    assert not User.objects.exists()
    # The summary above the form is read first, and takes the keyboard to the field it names.
    summary = page.locator("#error-summary")
    expect(summary).to_be_focused()
    summary.get_by_role("link", name="Password (again)").click()
    expect(page.locator("#id_password2")).to_be_focused()
