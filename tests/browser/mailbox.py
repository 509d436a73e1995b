"""What a new user does with the e-mail sign-up sends: open its link and confirm the address."""

import re

from django.core import mail
from playwright.sync_api import Page, expect

CONFIRM_PATH = re.compile(r"/accounts/confirm-email/[^\s\"'<>]+")


def confirm_address_from_email(page: Page, email: str) -> None:
    """The sign-up page has sent a confirmation e-mail to `email`: open its link in the same browser (which
    signs the new user in) and confirm."""
    expect(page.get_by_role("heading", level=1)).to_be_visible()
    sent = [message for message in mail.outbox if email in message.to]
    assert sent, f"no e-mail was sent to {email}"
    page.goto(CONFIRM_PATH.search(sent[-1].body).group(0))
    page.get_by_role("button", name="Confirm").click()
