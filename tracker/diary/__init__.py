"""The patient's diary: logging cramps (quick, full, tallies, check-ins, offline), the dashboard, the profile and
medicines, a patient's own words, reminders, and deleting the account. `services/` writes, `selectors` reads,
`forms/` and `views/` serve the pages (the caregivers' pages too: a caregiver logs into the diary of the patient
they help)."""
