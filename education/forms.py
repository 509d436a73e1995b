from crispy_forms.bootstrap import FieldWithButtons, StrictButton
from crispy_forms.helper import FormHelper
from crispy_forms.layout import Layout
from django import forms
from django.urls import reverse_lazy


class PageSearchForm(forms.Form):
    q = forms.CharField(
        label="Search the guidance", max_length=100, required=False, strip=True, widget=forms.SearchInput
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.helper = FormHelper()
        self.helper.form_method = "get"
        self.helper.form_action = reverse_lazy("education:index")
        self.helper.form_class = "mb-4 learn-search"
        self.helper.attrs = {"role": "search", "novalidate": ""}
        self.helper.disable_csrf = True
        self.helper.layout = Layout(
            FieldWithButtons("q", StrictButton("Search", type="submit", css_class="btn-primary"))
        )

    def clean_q(self) -> str:
        # Control characters never help a search and some databases refuse them.
        return "".join(char for char in self.cleaned_data["q"] if char.isprintable())
