"""The patient's access trail, as visits: a clinician who opens the review five times in ten minutes made one
visit, shown once with how many times and from when to when, not as five rows.

A visit is a run of the trail's rows, newest first, by the same person in the same role doing the same thing
with the same detail, each within VISIT_GAP of the one before. The rows stay as they were written (the log is
append-only); only the page groups them. The whole trail is grouped before it is paginated, so a visit is
never split across two pages: one query for the rows (the (patient, -at) index), one for the names of the
people on the page.
"""

import datetime as dt
from dataclasses import dataclass

from django.core.paginator import Page, Paginator

from accounts.models import User
from tracker.models import AccessLog

VISIT_GAP = dt.timedelta(minutes=30)
FIELDS = ("at", "clinician_id", "viewer_role", "action", "detail")


@dataclass
class Visit:
    viewer_id: int
    viewer_role: str
    action: str
    detail: str
    first_at: dt.datetime
    last_at: dt.datetime
    times: int = 1
    viewer: User | None = None

    @property
    def action_label(self) -> str:
        return AccessLog.Action(self.action).label

    @property
    def is_caregiver(self) -> bool:
        return self.viewer_role == AccessLog.ViewerRole.CAREGIVER

    def continues(self, row: dict) -> bool:
        """Whether this earlier row belongs to the visit (rows come newest first)."""
        same = (row["clinician_id"], row["viewer_role"], row["action"], row["detail"]) == (
            self.viewer_id,
            self.viewer_role,
            self.action,
            self.detail,
        )
        return same and self.first_at - row["at"] <= VISIT_GAP


def visits(patient: User) -> list[Visit]:
    """The patient's whole trail grouped into visits, newest first (names not read yet)."""
    grouped: list[Visit] = []
    for row in AccessLog.objects.filter(patient=patient).order_by("-at", "-pk").values(*FIELDS).iterator():
        if grouped and grouped[-1].continues(row):
            grouped[-1].first_at = row["at"]
            grouped[-1].times += 1
        else:
            grouped.append(
                Visit(
                    viewer_id=row["clinician_id"],
                    viewer_role=row["viewer_role"],
                    action=row["action"],
                    detail=row["detail"],
                    first_at=row["at"],
                    last_at=row["at"],
                )
            )
    return grouped


def trail_page(patient: User, number, per_page: int) -> Page:
    """One page of the patient's visits, with the name of each person on it."""
    page = Paginator(visits(patient), per_page).get_page(number)
    people = User.objects.in_bulk({visit.viewer_id for visit in page.object_list})
    for visit in page.object_list:
        visit.viewer = people.get(visit.viewer_id)
    return page
