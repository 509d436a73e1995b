from django import forms


class PageSearchForm(forms.Form):
    q = forms.CharField(
        label="Search the guidance", max_length=100, required=False, strip=True, widget=forms.SearchInput
    )

    def clean_q(self) -> str:
        # Control characters never help a search and some databases refuse them.
        return "".join(char for char in self.cleaned_data["q"] if char.isprintable())
