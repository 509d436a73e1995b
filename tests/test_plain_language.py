"""Plain language and plain evidence on the shipped education pages (education/content/*.md).

The reading grade is the Flesch-Kincaid grade level as textstat 0.7.4 computes it:
0.39 x (words per sentence) + 11.8 x (syllables per word) - 15.59, with syllables
counted by pyphen. It is measured on what a reader sees: the title, the summary and the
body rendered from Markdown, with links reduced to their text and each heading and list
item read as a sentence of its own.
"""

import re
from html import unescape
from html.parser import HTMLParser

import pytest
import textstat

from education.content import shipped_pages
from education.markdown import render_markdown

MAX_GRADE = 8.0
MAX_SUMMARY_WORDS = 25
MAX_SENTENCE_WORDS = 25
EVIDENCE_HEADING = "## How strong is the evidence?"

PAGES = shipped_pages()
TREATMENT_PAGES = [page for page in PAGES if page.kind == "treatment"]


class _TextBlocks(HTMLParser):
    """Collects the text of each heading, paragraph and list item as a separate block."""

    BLOCKS = {"h2", "h3", "h4", "p", "li", "blockquote"}

    def __init__(self):
        super().__init__()
        self.blocks: list[str] = []
        self._parts: list[str] = []

    def _flush(self):
        text = " ".join("".join(self._parts).split())
        if text:
            self.blocks.append(text)
        self._parts = []

    def handle_starttag(self, tag, attrs):
        if tag in self.BLOCKS:
            self._flush()

    def handle_endtag(self, tag):
        if tag in self.BLOCKS:
            self._flush()

    def handle_data(self, data):
        self._parts.append(data)


def _as_sentence(block: str) -> str:
    """A heading, a list item or a line that leads into a list ends where it stops."""
    block = block.rstrip(":;, ")
    return block if block.endswith((".", "!", "?")) else f"{block}."


def plain_prose(markdown_text: str) -> str:
    parser = _TextBlocks()
    parser.feed(str(render_markdown(markdown_text)))
    parser.close()
    return " ".join(_as_sentence(block) for block in parser.blocks)


def page_prose(page) -> str:
    return " ".join([_as_sentence(page.title), _as_sentence(page.summary), plain_prose(page.body)])


def reading_grade(page) -> float:
    return textstat.flesch_kincaid_grade(page_prose(page))


def sentences(text: str) -> list[str]:
    return [sentence for sentence in re.split(r"(?<=[.!?])\s+", text) if sentence]


def evidence_section(page) -> str:
    """The Markdown of the evidence section, up to the next heading of the same level."""
    _, heading, rest = page.body.partition(f"{EVIDENCE_HEADING}\n")
    return re.split(r"^## ", rest, flags=re.MULTILINE)[0] if heading else ""


class TestReadingLevel:
    def test_the_prose_keeps_words_and_drops_markup(self):
        prose = plain_prose("## What helps\n\n- **Stretch** the [calf](/learn/nmes/)\n- rest\n\nSee a clinician:")
        assert prose == "What helps. Stretch the calf. rest. See a clinician."

    @pytest.mark.parametrize("page", PAGES, ids=lambda page: page.slug)
    def test_every_page_reads_at_grade_8_or_below(self, page):
        grade = reading_grade(page)
        assert grade <= MAX_GRADE, (
            f"{page.slug}.md reads at grade {grade} (Flesch-Kincaid); keep it at {MAX_GRADE} or below"
        )

    @pytest.mark.parametrize("page", PAGES, ids=lambda page: page.slug)
    def test_every_sentence_is_short(self, page):
        long_ones = [s for s in sentences(page_prose(page)) if textstat.lexicon_count(s) > MAX_SENTENCE_WORDS]
        assert not long_ones, f"{page.slug}.md has sentences over {MAX_SENTENCE_WORDS} words: {long_ones}"


class TestHeadingsAndSummariesFirst:
    @pytest.mark.parametrize("page", PAGES, ids=lambda page: page.slug)
    def test_every_summary_is_one_short_sentence(self, page):
        words = len(page.summary.split())
        assert words <= MAX_SUMMARY_WORDS, f"{page.slug}.md: the summary has {words} words"
        assert len(sentences(page.summary)) == 1, f"{page.slug}.md: the summary should be one sentence"
        assert page.summary.endswith("."), f"{page.slug}.md: the summary should end with a full stop"

    @pytest.mark.parametrize("page", PAGES, ids=lambda page: page.slug)
    def test_every_page_opens_with_a_heading_and_uses_section_headings(self, page):
        assert page.body.startswith("## "), f"{page.slug}.md: the body should open with a ## heading"
        assert not re.search(r"^# ", page.body, flags=re.MULTILINE), f"{page.slug}.md: the title is the only h1"


class TestEvidence:
    def test_there_are_treatment_pages_to_check(self):
        assert len(TREATMENT_PAGES) >= 5

    @pytest.mark.parametrize("page", TREATMENT_PAGES, ids=lambda page: page.slug)
    def test_every_treatment_page_says_how_strong_the_evidence_is_for_cramps(self, page):
        assert page.body.count(f"{EVIDENCE_HEADING}\n") == 1, f"{page.slug}.md needs one '{EVIDENCE_HEADING}' section"
        section = evidence_section(page)
        assert "cramp" in section.lower(), f"{page.slug}.md: the evidence section should speak about cramps"

    @pytest.mark.parametrize("page", TREATMENT_PAGES, ids=lambda page: page.slug)
    def test_every_evidence_section_links_a_source_the_page_lists(self, page):
        html = str(render_markdown(evidence_section(page)))
        linked = {unescape(url) for url in re.findall(r'href="([^"]+)"', html)}
        listed = {url for _, url in page.sources}
        assert linked & listed, f"{page.slug}.md: link at least one of the page's sources in its evidence section"
