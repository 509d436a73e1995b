"""The education pages shipped with the app (education/content/*.md) and loading them into the database.

Each file has a front-matter block of `key: value` lines between two `---` lines:
title, kind, summary, written (YYYY-MM-DD, when the page was written or last revised),
an optional `clinical-review: YYYY-MM-DD | Name, role` once a named clinician has
reviewed it, related (slugs), for (links such as `trigger:dehydration`), and one
`source: Authors. Title. Journal Year | https://doi.org/...` line per source.
"""

import datetime as dt
import hashlib
import json
from dataclasses import dataclass, field
from pathlib import Path

from django.db import transaction

from .models import GuidanceLink, Page, Source

CONTENT_DIR = Path(__file__).resolve().parent / "content"
# SQLite does not enforce a column's length: the loader does, so a page that fits here fits in PostgreSQL.
SOURCE_TITLE_LENGTH = Source._meta.get_field("title").max_length


class ContentError(ValueError):
    """A shipped page file is malformed."""


@dataclass(frozen=True)
class ShippedPage:
    slug: str
    title: str
    kind: str
    summary: str
    body: str
    written_on: dt.date
    clinical_review_on: dt.date | None
    clinical_reviewer: str
    related: tuple[str, ...]
    sources: tuple[tuple[str, str], ...]
    links: tuple[tuple[str, str], ...]

    @property
    def fingerprint(self) -> str:
        return fingerprint(
            title=self.title,
            kind=self.kind,
            summary=self.summary,
            body=self.body,
            written_on=self.written_on,
            clinical_review_on=self.clinical_review_on,
            clinical_reviewer=self.clinical_reviewer,
            related=self.related,
            sources=self.sources,
            links=self.links,
        )


@dataclass
class LoadReport:
    created: list[str] = field(default_factory=list)
    updated: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    kept_edits: list[str] = field(default_factory=list)


def fingerprint(
    *, title, kind, summary, body, written_on, clinical_review_on, clinical_reviewer, related, sources, links
) -> str:
    review = [clinical_review_on.isoformat(), clinical_reviewer] if clinical_review_on else None
    canonical = json.dumps(
        [
            title,
            kind,
            summary,
            body.strip(),
            written_on.isoformat(),
            review,
            sorted(related),
            list(sources),
            sorted(links),
        ],
        ensure_ascii=False,
    )
    return hashlib.sha256(canonical.encode()).hexdigest()


def fingerprint_of(page: Page) -> str:
    """The fingerprint of a page as it is stored now, edits included."""
    return fingerprint(
        title=page.title,
        kind=page.kind,
        summary=page.summary,
        body=page.body,
        written_on=page.written_on,
        clinical_review_on=page.clinical_review_on,
        clinical_reviewer=page.clinical_reviewer,
        related=[other.slug for other in page.related.all()],
        sources=[(source.title, source.url) for source in page.sources.all()],
        links=[(link.kind, link.key) for link in page.links.all()],
    )


def _split_list(value: str) -> tuple[str, ...]:
    return tuple(item.strip() for item in value.split(",") if item.strip())


def _parse_date(path: Path, key: str, value: str) -> dt.date:
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise ContentError(f"{path.name}: {key} must be a date (YYYY-MM-DD)") from None


def parse_page(path: Path) -> ShippedPage:
    text = path.read_text(encoding="utf-8")
    if not text.startswith("---\n"):
        raise ContentError(f"{path.name}: must start with a --- front-matter block")
    header, separator, body = text[4:].partition("\n---\n")
    if not separator:
        raise ContentError(f"{path.name}: the front-matter block is not closed with ---")
    values: dict[str, str] = {}
    sources: list[tuple[str, str]] = []
    for line in header.splitlines():
        key, colon, value = line.partition(":")
        if not colon:
            raise ContentError(f"{path.name}: front-matter line without a key: {line!r}")
        key, value = key.strip(), value.strip()
        if key == "source":
            title, bar, url = value.rpartition(" | ")
            if not bar or not url.startswith("https://"):
                raise ContentError(f"{path.name}: a source must read 'Title | https://...': {value!r}")
            if len(title.strip()) > SOURCE_TITLE_LENGTH:
                raise ContentError(f"{path.name}: a source's title is over {SOURCE_TITLE_LENGTH} characters: {title!r}")
            sources.append((title.strip(), url.strip()))
        else:
            values[key] = value
    missing = {"title", "kind", "summary", "written"} - values.keys()
    if missing:
        raise ContentError(f"{path.name}: missing {', '.join(sorted(missing))}")
    if values["kind"] not in Page.Kind.values:
        raise ContentError(f"{path.name}: unknown kind {values['kind']!r}")
    links = []
    for item in _split_list(values.get("for", "")):
        kind, colon, key = item.partition(":")
        if not colon or kind not in GuidanceLink.Kind.values:
            raise ContentError(f"{path.name}: a link must read kind:key with a known kind: {item!r}")
        links.append((kind, key))
    written_on = _parse_date(path, "written", values["written"])
    clinical_review_on, clinical_reviewer = None, ""
    if "clinical-review" in values:
        date, bar, clinical_reviewer = values["clinical-review"].partition(" | ")
        clinical_reviewer = clinical_reviewer.strip()
        if not bar or not clinical_reviewer:
            raise ContentError(f"{path.name}: clinical-review must read 'YYYY-MM-DD | Name, role'")
        clinical_review_on = _parse_date(path, "clinical-review", date.strip())
    return ShippedPage(
        slug=path.stem,
        title=values["title"],
        kind=values["kind"],
        summary=values["summary"],
        body=body.strip(),
        written_on=written_on,
        clinical_review_on=clinical_review_on,
        clinical_reviewer=clinical_reviewer,
        related=_split_list(values.get("related", "")),
        sources=tuple(sources),
        links=tuple(links),
    )


def shipped_pages(directory: Path = CONTENT_DIR) -> list[ShippedPage]:
    pages = [parse_page(path) for path in sorted(directory.glob("*.md"))]
    slugs = {page.slug for page in pages}
    for page in pages:
        unknown = set(page.related) - slugs
        if unknown:
            raise ContentError(f"{page.slug}.md: related pages that do not exist: {', '.join(sorted(unknown))}")
    return pages


def _write(page: Page, shipped: ShippedPage) -> None:
    page.title, page.kind, page.summary = shipped.title, shipped.kind, shipped.summary
    page.body, page.written_on = shipped.body, shipped.written_on
    page.clinical_review_on, page.clinical_reviewer = shipped.clinical_review_on, shipped.clinical_reviewer
    page.loaded_fingerprint = shipped.fingerprint
    page.full_clean(exclude=["related"])
    page.save()
    page.sources.all().delete()
    page.sources.bulk_create(
        page.sources.model(page=page, title=title, url=url, position=position)
        for position, (title, url) in enumerate(shipped.sources)
    )
    page.links.all().delete()
    page.links.bulk_create(GuidanceLink(page=page, kind=kind, key=key) for kind, key in shipped.links)


@transaction.atomic
def load_pages(directory: Path = CONTENT_DIR) -> LoadReport:
    """Create or update the shipped pages. Re-running it changes nothing, and a page
    that staff edited in the admin is kept as they left it (and reported)."""
    report = LoadReport()
    written: list[tuple[Page, ShippedPage]] = []
    for shipped in shipped_pages(directory):
        page = Page.objects.filter(slug=shipped.slug).prefetch_related("related", "sources", "links").first()
        if page is None:
            page = Page(slug=shipped.slug)
            _write(page, shipped)
            written.append((page, shipped))
            report.created.append(shipped.slug)
            continue
        current = fingerprint_of(page)
        if current == shipped.fingerprint:
            if page.loaded_fingerprint != current:
                page.loaded_fingerprint = current
                page.save(update_fields=["loaded_fingerprint"])
            report.unchanged.append(shipped.slug)
        elif current != page.loaded_fingerprint:
            report.kept_edits.append(shipped.slug)
        else:
            _write(page, shipped)
            written.append((page, shipped))
            report.updated.append(shipped.slug)
    for page, shipped in written:
        page.related.set(Page.objects.filter(slug__in=shipped.related))
    return report
