"""Every field of the site is drawn by one template (templates_jinja2/forms/field.html, through
crampapp.renderers): Bootstrap 5's class for each kind of widget, the label or legend with its required mark,
help text and errors tied to the widget, and everything a person typed escaped."""

import re

from django import forms

HOSTILE = '<script>alert("x")</script>'


class Everything(forms.Form):
    name = forms.CharField(label="Name", help_text="As on your card.", max_length=5)
    agree = forms.BooleanField(label="I agree")
    side = forms.ChoiceField(label="Side", choices=[("left", "Left"), ("right", HOSTILE)], widget=forms.RadioSelect)
    days = forms.MultipleChoiceField(
        label="Days", choices=[("mon", "Monday"), ("tue", "Tuesday")], widget=forms.CheckboxSelectMultiple
    )
    kind = forms.ChoiceField(label="Kind", choices=[("a", "A"), ("b", "B")], required=False)
    chips = forms.ChoiceField(
        label="Chips", choices=[("x", "X")], required=False, widget=forms.RadioSelect(attrs={"class": "btn-check"})
    )
    token = forms.CharField(widget=forms.HiddenInput)

    def clean(self):
        raise forms.ValidationError(HOSTILE)


def tag(html: str, pattern: str) -> str:
    return re.search(pattern, html)[0]


def test_an_unbound_form_marks_required_fields_and_gives_each_widget_its_bootstrap_class():
    html = str(Everything())
    assert '<label for="id_name" class="form-label requiredField">Name<span class="asteriskField">*</span>' in html
    name = tag(html, r'<input type="text" name="name"[^>]*>')
    assert 'class="form-control"' in name
    assert 'aria-describedby="id_name_helptext"' in name
    assert '<div id="id_name_helptext" class="form-text">As on your card.</div>' in html
    assert 'class="form-check-input"' in tag(html, r'<input type="checkbox" name="agree"[^>]*>')
    assert '<label for="id_agree" class="form-check-label requiredField">I agree' in html
    assert 'class="form-select"' in tag(html, r'<select name="kind"[^>]*>')
    assert '<label for="id_kind" class="form-label">Kind</label>' in html
    # A list of choices is a fieldset with a legend, each choice a checkable input with its own label.
    assert re.search(r'<div id="div_id_side" class="mb-3">\s*<fieldset>\s*<legend class="form-label fs-6', html)
    left = tag(html, r'<input type="radio" name="side" value="left"[^>]*>')
    assert 'class="form-check-input"' in left
    assert 'id="id_side_0"' in left
    assert '<label for="id_side_0" class="form-check-label">Left</label>' in html
    assert len(re.findall(r'<input type="checkbox" name="days"', html)) == 2
    # A list drawn as buttons keeps its own class.
    assert 'class="btn-check"' in tag(html, r'<input type="radio" name="chips"[^>]*>')
    assert re.search(r'<input type="hidden" name="token" id="id_token">', html)
    assert "is-invalid" not in html
    assert "invalid-feedback" not in html


def test_errors_sit_next_to_their_field_tied_to_it_and_what_was_typed_survives_escaped():
    form = Everything({"name": HOSTILE, "side": "up", "token": "t"})
    html = str(form)
    name = tag(html, r'<input type="text" name="name"[^>]*>')
    assert 'value="&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;"' in name
    assert 'class="form-control is-invalid"' in name
    assert 'aria-invalid="true"' in name
    assert 'aria-describedby="id_name_helptext id_name_error"' in name
    assert re.search(r'<div id="id_name_error" class="invalid-feedback d-block"><p id="error_1_id_name"><strong>', html)
    assert 'class="form-check-input is-invalid"' in tag(html, r'<input type="checkbox" name="agree"[^>]*>')
    assert 'class="form-check-input is-invalid"' in tag(html, r'<input type="radio" name="side" value="left"[^>]*>')
    assert re.search(r'<fieldset aria-describedby="id_side_error">', html)
    assert "Select a valid choice. up is not one of the available choices." in html
    # The form's own error is announced above the fields; nothing typed or chosen is ever drawn unescaped.
    alert = r'<div class="alert alert-block alert-danger" role="alert">\s*<ul class="m-0"><li>&lt;script'
    assert re.search(alert, html)
    assert "<script>" not in html
