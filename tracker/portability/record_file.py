"""An uploaded backup file read as JSON, or refused with where and why it breaks, before record_read checks
what it says."""

import json

from django.core.files.uploadedfile import UploadedFile

from .restore import ImportRejected

MAX_RECORD_BYTES = 64 * 1024 * 1024


def read_at_most(upload: UploadedFile, limit: int, too_big: str) -> bytes:
    """The upload's bytes, or ImportRejected([too_big]) when it has more than `limit`: refused by its stated size
    before it is read, and read no further than one byte past the limit."""
    if upload.size is not None and upload.size > limit:
        raise ImportRejected([too_big])
    content = upload.read(limit + 1)
    if len(content) > limit:
        raise ImportRejected([too_big])
    return content


def read_record(upload: UploadedFile) -> dict:
    """An uploaded file parsed as JSON, or ImportRejected saying where it breaks."""
    too_big = f"This file is larger than {MAX_RECORD_BYTES // (1024 * 1024)} MB, more than one import can take."
    content = read_at_most(upload, MAX_RECORD_BYTES, too_big)
    try:
        document = json.loads(content.decode("utf-8-sig"))
    except UnicodeDecodeError:
        raise ImportRejected(["This file is not UTF-8 text, so it is not a backup CrampApp wrote."]) from None
    except json.JSONDecodeError as error:
        raise ImportRejected(
            [
                f"This file is not complete JSON: it breaks at line {error.lineno}, column {error.colno} "
                f"({error.msg}). Was it cut short or edited? Export it again, or fix it there."
            ]
        ) from None
    except RecursionError:
        raise ImportRejected(["This file is nested far deeper than a CrampApp backup."]) from None
    except ValueError:
        # Python refuses to read an integer of more than 4,300 digits (a guard against slow conversions).
        raise ImportRejected(["This file holds a number far longer than any in a CrampApp backup."]) from None
    if not isinstance(document, dict):
        raise ImportRejected(["This JSON file is not a CrampApp backup: it must be one object ({ … })."])
    return document
