from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from .forms import PageSearchForm
from .models import Page
from .warning_signs import WARNING_SIGNS_PAGE


@require_safe
def page_index(request: HttpRequest) -> HttpResponse:
    """All published pages grouped by kind, or the ones matching a search."""
    form = PageSearchForm(request.GET or None)
    pages = Page.objects.published()
    query = form.cleaned_data["q"] if form.is_valid() else ""
    if query:
        pages = pages.search(query)
    groups = [(label, [page for page in pages if page.kind == kind]) for kind, label in Page.Kind.choices]
    return render(
        request,
        "education/index.html",
        {"form": form, "query": query, "groups": [group for group in groups if group[1]]},
    )


@require_safe
def page_detail(request: HttpRequest, slug: str) -> HttpResponse:
    page = Page.objects.published().prefetch_related("sources").filter(slug=slug).first()
    if page is None:
        return render(request, "education/not_found.html", {"slug": slug}, status=404)
    related = page.related.published().order_by("title")
    context = {"page": page, "related": related, "lists_warning_signs": page.slug == WARNING_SIGNS_PAGE}
    return render(request, "education/page.html", context)
