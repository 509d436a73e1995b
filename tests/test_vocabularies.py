import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from tracker.diary.forms import EpisodeForm
from tracker.models import Term

from .factories import PatientFactory, term

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("kind", "expected"),
    [
        ("location", 13),
        ("activity", 8),
        ("trigger", 12),
        ("symptom", 20),
        ("relief", 7),
        ("condition", 6),
    ],
)
def test_every_vocabulary_is_seeded(kind, expected):
    assert Term.objects.of_kind(kind).active().count() == expected


def test_staff_edit_a_vocabulary_item_in_the_admin(client, staff):
    calf = term("location", "calf")
    client.force_login(staff)
    response = client.post(
        reverse("admin:tracker_term_change", args=[calf.pk]),
        {"kind": "location", "slug": "calf", "label": "Calf muscle", "sort_order": 0, "is_active": "on"},
    )
    calf.refresh_from_db()
    assert response.status_code == 302
    assert calf.label == "Calf muscle"


def test_a_deactivated_item_is_no_longer_offered(db):
    caffeine = term("trigger", "caffeine")
    caffeine.is_active = False
    caffeine.save()
    form = EpisodeForm(patient=PatientFactory())
    assert caffeine not in form.fields["triggers"].queryset


def test_a_slug_is_unique_within_its_vocabulary_only(db):
    Term.objects.create(kind="symptom", slug="cold", label="Feeling cold")
    with pytest.raises(IntegrityError), transaction.atomic():
        Term.objects.create(kind="trigger", slug="cold", label="Cold again")
