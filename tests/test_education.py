import datetime as dt

import pytest
from django.core.management import call_command
from django.urls import reverse

from education.content import CONTENT_DIR, load_pages, shipped_pages
from education.markdown import render_markdown
from education.models import GuidanceLink, Page
from tracker.models import Term

pytestmark = pytest.mark.django_db

REQUIRED_TOPICS = {
    "what-are-muscle-cramps",
    "how-nerves-cause-cramps",
    "night-cramps",
    "preventing-cramps-nerve-health",
    "when-to-see-a-clinician",
    "peripheral-neuropathy",
    "diabetic-neuropathy",
    "als-and-motor-neuron-disease",
    "multiple-sclerosis",
    "spinal-cord-injury-and-stenosis",
    "anticonvulsants",
    "muscle-relaxants",
    "calcium-channel-blockers",
    "stretching-and-physical-therapy",
    "nmes",
    "low-impact-exercise",
    "diet-and-minerals",
    "hydration",
}


@pytest.fixture
def pages(db):
    load_pages()
    return Page.objects.all()


class TestShippedContent:
    def test_every_required_page_is_shipped(self):
        assert REQUIRED_TOPICS.issubset({page.slug for page in shipped_pages()})

    @pytest.mark.parametrize("page", shipped_pages(), ids=lambda page: page.slug)
    def test_every_page_has_sources_a_review_date_a_summary_and_a_sensible_length(self, page):
        assert len(page.sources) >= 2
        assert all(url.startswith("https://") for _, url in page.sources)
        assert page.reviewed_on <= dt.date.today()
        assert 0 < len(page.summary) <= 200
        assert 250 <= len(page.body.split()) <= 700

    @pytest.mark.parametrize("page", shipped_pages(), ids=lambda page: page.slug)
    def test_no_page_gives_a_dose(self, page):
        text = page.body.lower()
        assert " mg" not in text
        assert "milligram" not in text
        assert "dose of" not in text

    def test_every_vocabulary_link_names_an_existing_item(self):
        items = set(Term.objects.values_list("kind", "slug"))
        for page in shipped_pages():
            for kind, key in page.links:
                if kind not in ("medicine", "pattern"):
                    assert (kind, key) in items, (page.slug, kind, key)


class TestLoading:
    def test_loading_creates_every_page_with_sources_links_and_related(self, pages):
        hydration = Page.objects.get(slug="hydration")
        assert pages.count() == len(shipped_pages())
        assert hydration.sources.count() >= 2
        assert hydration.links.filter(kind="trigger", key="dehydration").exists()
        assert hydration.related.exists()

    def test_loading_twice_never_duplicates(self, pages):
        count = (Page.objects.count(), GuidanceLink.objects.count())
        report = load_pages()
        assert (Page.objects.count(), GuidanceLink.objects.count()) == count
        assert report.created == report.updated == report.kept_edits == []

    def test_a_page_staff_edited_is_kept_and_reported(self, pages):
        page = Page.objects.get(slug="night-cramps")
        page.body = "Edited by our neurologist."
        page.save()
        report = load_pages()
        page.refresh_from_db()
        assert page.body == "Edited by our neurologist."
        assert report.kept_edits == ["night-cramps"]

    def test_a_source_added_by_staff_counts_as_an_edit(self, pages):
        page = Page.objects.get(slug="hydration")
        page.sources.create(title="Local leaflet", url="https://example.org/leaflet", position=9)
        assert load_pages().kept_edits == ["hydration"]
        assert page.sources.filter(title="Local leaflet").exists()

    def test_an_untouched_page_takes_a_new_shipped_version(self, pages, tmp_path):
        for path in CONTENT_DIR.glob("*.md"):
            text = path.read_text()
            if path.stem == "hydration":
                text = text.replace("reviewed: 2026-11-25", "reviewed: 2026-11-26")
            (tmp_path / path.name).write_text(text)
        report = load_pages(tmp_path)
        assert report.updated == ["hydration"]
        assert Page.objects.get(slug="hydration").reviewed_on == dt.date(2026, 11, 26)

    def test_the_command_reports_what_it_did(self, pages, capsys):
        call_command("load_education")
        assert "0 created, 0 updated" in capsys.readouterr().out


XSS = [
    ("<script>alert(1)</script>", "<script"),
    ('<img src=x onerror="alert(1)">', "onerror"),
    ("[click](javascript:alert(1))", "javascript:"),
    ('<a href="javascript:alert(1)">x</a>', "javascript:"),
    ('<iframe src="https://evil.example"></iframe>', "<iframe"),
    ('<svg onload="alert(1)"></svg>', "onload"),
    ("<p style=\"background:url('javascript:alert(1)')\">x</p>", "style="),
    ("[x](data:text/html;base64,PHNjcmlwdD4=)", "data:"),
    ('<form action="https://evil.example"><input name="q"></form>', "<form"),
    ("<object data=x></object><embed src=x>", "<object"),
]


@pytest.mark.parametrize(("source", "forbidden"), XSS)
def test_markdown_renders_hostile_input_inert(source, forbidden):
    assert forbidden not in render_markdown(source).lower()


def test_markdown_keeps_headings_lists_and_safe_links():
    html = render_markdown(
        "## Heading\n\n- one\n- two\n\n[Night cramps](/learn/night-cramps/) and [NHS](https://www.nhs.uk/)"
    )
    assert "<h2>Heading</h2>" in html
    assert "<li>one</li>" in html
    assert 'href="/learn/night-cramps/"' in html
    assert 'href="https://www.nhs.uk/"' in html
    assert 'rel="noopener noreferrer"' in html


class TestPages:
    def test_index_groups_pages_by_kind(self, client, pages):
        response = client.get(reverse("education:index"))
        html = response.content.decode()
        assert [label for label, _ in response.context["groups"]] == [
            "Understanding cramps",
            "Conditions",
            "Treatments and self-care",
        ]
        assert "Hydration" in html

    def test_search_finds_pages_by_word(self, client, pages):
        response = client.get(reverse("education:index"), {"q": "baclofen"})
        found = {page.slug for _, group in response.context["groups"] for page in group}
        assert "muscle-relaxants" in found
        assert "hydration" not in found

    @pytest.mark.parametrize(
        "query", ["", "   ", "x" * 500, "%_'\"; DROP TABLE", "\x00\x1f", "<script>alert(1)</script>", "ü" * 50]
    )
    def test_search_handles_odd_queries(self, client, pages, query):
        response = client.get(reverse("education:index"), {"q": query})
        assert response.status_code == 200
        assert "<script>alert(1)</script>" not in response.content.decode()

    def test_a_page_shows_its_body_sources_review_date_disclaimer_and_related_pages(self, client, pages):
        response = client.get(reverse("education:page", args=["hydration"]))
        html = response.content.decode()
        assert "<h1>Hydration</h1>" in html
        assert "Last reviewed" in html
        assert "does not diagnose or prescribe" in html
        assert "Sources" in html
        assert "Related pages" in html
        assert "<h2>" in html

    def test_an_unknown_page_is_a_404_with_a_way_back(self, client, pages):
        response = client.get("/learn/no-such-page/")
        assert response.status_code == 404
        assert 'href="/learn/"' in response.content.decode()

    def test_an_unpublished_page_is_not_shown(self, client, pages):
        Page.objects.filter(slug="nmes").update(is_published=False)
        assert client.get("/learn/nmes/").status_code == 404
        assert "nmes" not in client.get("/learn/").content.decode()

    def test_staff_see_a_rendered_preview_in_the_admin(self, client, pages, staff):
        page = Page.objects.get(slug="hydration")
        client.force_login(staff)
        html = client.get(reverse("admin:education_page_change", args=[page.pk])).content.decode()
        assert 'class="education-preview"' in html
        assert "<h2>" in html
