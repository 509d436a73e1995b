"""A patient's record: what they log, who they share it with, what it shows, and how it leaves and comes back.

The record and the rules every area reads live here: `models/` (one Django app, so one set of migrations),
`counting` (what counts as a cramp and a recorded day), `warnings` (warning signs, by education.warning_signs),
`trends` (more or fewer cramps), `moments` (reading a sent date and time), `fields` (the form fields every
area's forms share, and the vocabularies they offer), `body_places` (where each place is on the body's outlines)
and `lookups`. The rest is split by purpose, and imports run one way: each package uses only the record and the
packages listed before it (tests/test_package_layout.py checks it):

- `sharing/`: invitations and grants, the access gate every patient-data view goes through, the access log
  and trail, caregivers;
- `diary/`: logging cramps, tallies and check-ins, the dashboard, the profile and medicines, reminders,
  offline sync, deleting an account; also the caregivers' pages (they log into the diary of the patient they
  help);
- `insights/`: a period's figures, "what seems to matter" and the charts;
- `portability/`: CSV, the JSON backup and HL7 FHIR, out and back in;
- `clinic/`: the clinician's list and review, the trial-grade summary, the note pages and the visit report.
"""
