import datetime as dt
import re

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.db import IntegrityError
from django.urls import reverse

from education.content import CONTENT_DIR, SOURCE_TITLE_LENGTH, ContentError, load_pages, parse_page, shipped_pages
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

DOI_OR_PUBMED = re.compile(r"https://(doi\.org/10\.\d{4,9}/\S+|pubmed\.ncbi\.nlm\.nih\.gov/\d+/)")


@pytest.fixture
def pages(db):
    load_pages()
    return Page.objects.all()


class TestShippedContent:
    def test_every_required_page_is_shipped(self):
        assert REQUIRED_TOPICS.issubset({page.slug for page in shipped_pages()})

    @pytest.mark.parametrize("page", shipped_pages(), ids=lambda page: page.slug)
    def test_every_page_has_sources_a_written_date_a_summary_and_a_sensible_length(self, page):
        assert len(page.sources) >= 2
        assert all(url.startswith("https://") for _, url in page.sources)
        assert page.written_on <= dt.date.today()
        assert 0 < len(page.summary) <= 200
        assert 250 <= len(page.body.split()) <= 700

    @pytest.mark.parametrize("page", shipped_pages(), ids=lambda page: page.slug)
    def test_no_page_gives_a_dose(self, page):
        text = page.body.lower()
        assert " mg" not in text
        assert "milligram" not in text
        assert "dose of" not in text

    @pytest.mark.parametrize("page", shipped_pages(), ids=lambda page: page.slug)
    def test_every_source_is_an_article_with_a_doi_or_pubmed_id(self, page):
        for title, url in page.sources:
            assert DOI_OR_PUBMED.fullmatch(url), (page.slug, url)
            assert "?" not in url, f"{page.slug}: a search link is not a source: {url}"
            # "Authors. Title. Journal Year": a year and at least three parts.
            assert re.search(r"\b(19|20)\d\d$", title), (page.slug, title)
            assert title.count(". ") >= 2, (page.slug, title)

    def test_no_shipped_page_claims_a_clinical_review_it_has_not_had(self):
        assert all(page.clinical_review_on is None and page.clinical_reviewer == "" for page in shipped_pages())

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
                text = re.sub(r"^written: .*$", "written: 2026-11-26", text, count=1, flags=re.MULTILINE)
            (tmp_path / path.name).write_text(text)
        report = load_pages(tmp_path)
        assert report.updated == ["hydration"]
        assert Page.objects.get(slug="hydration").written_on == dt.date(2026, 11, 26)

    def test_a_shipped_clinical_review_is_loaded_with_its_reviewer(self, pages, tmp_path):
        for path in CONTENT_DIR.glob("*.md"):
            text = path.read_text()
            if path.stem == "hydration":
                text = text.replace("\n---\n", "\nclinical-review: 2026-12-01 | Dr Rhea Viewer, neurologist\n---\n", 1)
            (tmp_path / path.name).write_text(text)
        assert load_pages(tmp_path).updated == ["hydration"]
        page = Page.objects.get(slug="hydration")
        assert (page.clinical_review_on, page.clinical_reviewer) == (
            dt.date(2026, 12, 1),
            "Dr Rhea Viewer, neurologist",
        )

    def test_a_clinical_review_staff_record_in_the_admin_is_kept(self, pages):
        Page.objects.filter(slug="nmes").update(clinical_review_on=dt.date(2026, 12, 1), clinical_reviewer="Dr R, GP")
        assert load_pages().kept_edits == ["nmes"]
        assert Page.objects.get(slug="nmes").clinical_reviewer == "Dr R, GP"

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

    def test_a_search_too_long_says_so_next_to_the_box_and_keeps_the_words(self, client, pages):
        html = client.get(reverse("education:index"), {"q": "cramp " * 20}).content.decode()
        box = re.search(r'<input type="search"[^>]*>', html)[0]
        assert 'aria-describedby="id_q_error"' in box
        assert 'value="cramp cramp' in box
        error = re.search(r'<div id="id_q_error" class="invalid-feedback d-block">(.*?)</div>', html)[1]
        assert "at most 100 characters" in error

    def test_a_page_shows_its_body_sources_review_date_disclaimer_and_related_pages(self, client, pages):
        response = client.get(reverse("education:page", args=["hydration"]))
        html = response.content.decode()
        assert "<h1>Hydration</h1>" in html
        assert 'Written on <time datetime="' in html
        assert "Not yet reviewed by a named clinician." in html
        assert "Clinically reviewed" not in html
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


class TestClinicalReview:
    FRONT = "---\ntitle: T\nkind: topic\nsummary: S.\nwritten: 2026-11-25\n{extra}---\n## Body\n"

    def parse(self, tmp_path, extra=""):
        path = tmp_path / "page.md"
        path.write_text(self.FRONT.format(extra=extra))
        return parse_page(path)

    def test_front_matter_reads_the_written_date_and_the_named_review(self, tmp_path):
        page = self.parse(tmp_path, "clinical-review: 2026-12-01 | Dr Rhea Viewer, consultant neurologist\n")
        assert page.written_on == dt.date(2026, 11, 25)
        assert page.clinical_review_on == dt.date(2026, 12, 1)
        assert page.clinical_reviewer == "Dr Rhea Viewer, consultant neurologist"

    @pytest.mark.parametrize("review", ["2026-12-01", "2026-12-01 | ", "1 December | Dr R, GP"])
    def test_a_review_without_a_date_and_a_reviewer_is_refused(self, tmp_path, review):
        with pytest.raises(ContentError):
            self.parse(tmp_path, f"clinical-review: {review}\n")

    def test_a_page_without_a_written_date_is_refused(self, tmp_path):
        path = tmp_path / "page.md"
        path.write_text("---\ntitle: T\nkind: topic\nsummary: S.\nreviewed: 2026-11-25\n---\n## Body\n")
        with pytest.raises(ContentError, match="written"):
            parse_page(path)

    def test_a_reviewed_page_names_the_date_and_the_reviewer(self, client, pages):
        Page.objects.filter(slug="hydration").update(
            clinical_review_on=dt.date(2026, 12, 1), clinical_reviewer="Dr Rhea Viewer, consultant neurologist"
        )
        html = client.get(reverse("education:page", args=["hydration"])).content.decode()
        assert "by Dr Rhea Viewer, consultant neurologist." in html
        assert '<time datetime="2026-12-01">1 Dec 2026</time>' in html
        assert "Not yet reviewed" not in html

    @pytest.mark.parametrize(
        ("review_on", "reviewer"), [(dt.date(2026, 12, 1), ""), (None, "Dr Rhea Viewer, neurologist")]
    )
    def test_a_review_needs_both_a_date_and_a_reviewer(self, review_on, reviewer):
        page = Page(
            slug="half-reviewed", title="T", kind="topic", summary="S.", body="B", written_on=dt.date(2026, 11, 25)
        )
        page.clinical_review_on, page.clinical_reviewer = review_on, reviewer
        with pytest.raises(ValidationError):
            page.full_clean()
        with pytest.raises(IntegrityError):
            page.save()


def test_a_source_title_longer_than_its_column_is_refused_on_every_database(tmp_path):
    page = (CONTENT_DIR / "hydration.md").read_text()
    long_source = f"source: {'A' * (SOURCE_TITLE_LENGTH + 1)} | https://doi.org/10.1000/example\n"
    path = tmp_path / "hydration.md"
    path.write_text(page.replace("---\n", f"---\n{long_source}", 1))
    with pytest.raises(ContentError, match="over 400 characters"):
        parse_page(path)
