"""Filter bars and one-field forms are drawn by the one field template like every other form (crampapp.renderers):
each field with its label, the place list read once and escaped, and an error tied to its field."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django import forms
from django.urls import reverse

from tracker.diary.forms import DiaryDateField, EpisodeFilterForm
from tracker.fields import vocabulary

from .factories import term

HOSTILE = '<script>alert("x")</script> & more'


class Options(HTMLParser):
    """The select's attributes and its options as (value, selected, label)."""

    def __init__(self, html: str):
        super().__init__()
        self.select, self.options, self._open = {}, [], None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        if tag == "select":
            self.select = dict(attrs)
        elif tag == "option":
            values = dict(attrs)
            self._open = [values["value"], "selected" in values, ""]

    def handle_data(self, data):
        if self._open is not None:
            self._open[2] += data.strip()

    def handle_endtag(self, tag):
        if tag == "option":
            self.options.append(tuple(self._open))
            self._open = None


class Fields(HTMLParser):
    """The inputs and selects of a page by id (their attributes), and the text of each label by its `for`."""

    def __init__(self, html: str):
        super().__init__()
        self.fields, self.labels, self._label = {}, {}, None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        values = dict(attrs)
        if tag in ("input", "select", "textarea") and "id" in values:
            self.fields[values["id"]] = values
        elif tag == "label":
            self._label = values.get("for")
            self.labels[self._label] = ""

    def handle_data(self, data):
        if self._label is not None:
            self.labels[self._label] += data

    def handle_endtag(self, tag):
        if tag == "label":
            self.labels[self._label] = " ".join(self.labels[self._label].split())
            self._label = None


@pytest.mark.django_db
def test_the_place_filter_lists_every_place_after_anywhere_from_one_read(django_assert_num_queries):
    calf = term("location", "calf")
    form = EpisodeFilterForm(initial={"location": calf.pk})
    # The places, read once by a plain query and kept for the form's later uses.
    with django_assert_num_queries(1):
        drawn_once, drawn_again = Options(str(form["location"])), Options(str(form["location"]))
    places = list(vocabulary("location"))
    assert drawn_once.options == drawn_again.options
    assert drawn_once.options[0] == ("", False, "Anywhere")
    assert drawn_once.options[1:] == [(str(place.pk), place == calf, place.label) for place in places]


@pytest.mark.django_db
def test_place_labels_are_escaped_in_the_filter(client, patient):
    calf = term("location", "calf")
    calf.label = HOSTILE
    calf.save()
    client.force_login(patient)
    html = client.get(reverse("tracker:episode_list")).content.decode()
    assert "<script>alert" not in html
    assert (str(calf.pk), False, HOSTILE) in Options(html.split('name="location"')[1].split("</select>")[0]).options


@pytest.mark.django_db
def test_every_filter_field_has_its_label_and_an_error_is_tied_to_its_field(client, patient):
    client.force_login(patient)
    html = client.get(reverse("tracker:episode_list"), {"severity_min": "11"}).content.decode()
    page = Fields(html)
    assert {name: page.labels[f"id_{name}"] for name in EpisodeFilterForm.base_fields} == {
        "date_from": "From",
        "date_to": "To",
        "severity_min": "Severity at least",
        "severity_max": "Severity at most",
        "location": "Place",
        "kind": "Kind of event",
    }
    severity = page.fields["id_severity_min"]
    assert (severity["type"], severity["min"], severity["max"], severity["value"]) == ("number", "0", "10", "11")
    assert severity["aria-invalid"] == "true"
    assert severity["aria-describedby"] == "id_severity_min_error"
    assert "form-control" in severity["class"].split()
    assert 'id="id_severity_min_error"' in html
    assert "Ensure this value is less than or equal to 10." in html


def test_the_diary_date_field_draws_a_date_picker_with_an_iso_date():
    class Form(forms.Form):
        day = DiaryDateField(label="Day")

    page = Fields(str(Form(initial={"day": dt.date(2026, 11, 26)})))
    attrs = page.fields["id_day"]
    assert (attrs["type"], attrs["value"], attrs["name"]) == ("date", "2026-11-26", "day")
    assert "required" in attrs
    assert page.labels["id_day"] == "Day*"
