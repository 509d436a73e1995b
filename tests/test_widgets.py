"""PlainSelect draws the same list as Django's Select, escaped, with the same choice selected; the plain
inputs draw the same input as Django's template."""

import datetime as dt
from html.parser import HTMLParser

import pytest
from django import forms

from tracker.forms import DiaryDateField, EpisodeFilterForm
from tracker.selectors import vocabulary
from tracker.widgets import PlainDateInput, PlainNumberInput, PlainSelect

from .factories import term

CHOICES = [("", "Anywhere"), ("calf", "Calf"), ("x", '<script>alert("x")</script> & more')]


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


def drawn(widget, value) -> Options:
    class Form(forms.Form):
        place = forms.ChoiceField(choices=CHOICES, required=False, widget=widget(attrs={"class": "form-select"}))

    return Options(str(Form({"place": value} if value is not None else None)["place"]))


@pytest.mark.parametrize("value", [None, "", "calf", "x", "not-a-choice"])
def test_the_options_and_the_choice_are_those_of_djangos_select(value):
    plain, django = drawn(PlainSelect, value), drawn(forms.Select, value)
    assert plain.options == django.options
    assert plain.select == django.select


def test_labels_are_escaped():
    html = str(PlainSelect(choices=CHOICES).render("place", "x"))
    assert "<script>" not in html
    assert "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; more" in html


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


class Input(HTMLParser):
    """The attributes of the one input in `html`."""

    def __init__(self, html: str):
        super().__init__()
        self.attrs = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        assert tag == "input"
        assert self.attrs is None
        self.attrs = dict(attrs)


@pytest.mark.parametrize(
    ("plain", "django", "value"),
    [
        (PlainDateInput, forms.DateInput, None),
        (PlainDateInput, forms.DateInput, "2026-11-26"),
        (PlainDateInput, forms.DateInput, '"><script>alert(1)</script>'),
        (PlainNumberInput, forms.NumberInput, None),
        (PlainNumberInput, forms.NumberInput, "7"),
        (PlainNumberInput, forms.NumberInput, "<b>"),
    ],
)
def test_a_plain_input_has_the_attributes_django_gives_it(plain, django, value):
    def form(widget):
        class Form(forms.Form):
            day = forms.CharField(
                label="Day", help_text="<i>When</i>", max_length=20, widget=widget(attrs={"class": "form-control"})
            )

        return Form({"day": value} if value is not None else None)

    plain_html, django_html = str(form(plain)["day"]), str(form(django)["day"])
    assert Input(plain_html).attrs == Input(django_html).attrs
    assert "<script>" not in plain_html


def test_the_diary_date_field_draws_a_date_picker_with_an_iso_date():
    class Form(forms.Form):
        day = DiaryDateField(label="Day")

    attrs = Input(str(Form(initial={"day": dt.date(2026, 11, 26)})["day"])).attrs
    assert (attrs["type"], attrs["value"], attrs["name"], attrs["id"]) == ("date", "2026-11-26", "day", "id_day")
    assert "required" in attrs
