"""Own words whose labels carry combining marks (vowel signs) get slugs that tell them apart: the slug of "काम"
(work) was "कम", the slug of another word (less), which could then not be added. The rule as it was on the day
of this migration (tracker.diary.services.own_words.own_word_slug), written out so that it stays as it was."""

import hashlib
import unicodedata

from django.db import migrations
from django.utils.text import slugify

SLUG_LENGTH = 60


def _word_key(label):
    return "".join(
        char
        for char in unicodedata.normalize("NFKC", label).casefold()
        if char.isalnum() or unicodedata.category(char).startswith("M")
    )


def _slug(label):
    slug = slugify(label, allow_unicode=True)
    key = _word_key(label)
    if _word_key(slug) == key:
        return slug[:SLUG_LENGTH]
    digest = hashlib.blake2s(key.encode(), digest_size=4).hexdigest()
    return f"{slug[: SLUG_LENGTH - len(digest) - 1]}-{digest}"


def reslug(apps, schema_editor):
    Term = apps.get_model("tracker", "Term")
    changed = []
    for word in Term.objects.filter(owner__isnull=False).only("pk", "label", "slug"):
        slug = _slug(word.label)
        if slug != word.slug:
            word.slug = slug
            changed.append(word)
    Term.objects.bulk_update(changed, ["slug"], batch_size=500)


class Migration(migrations.Migration):
    dependencies = [("tracker", "0023_alter_patientprofile_other_conditions")]

    operations = [migrations.RunPython(reslug, migrations.RunPython.noop)]
