"""Sharing a record: invitations and grants for clinicians and caregivers, the access gate every patient-data
view goes through, the access log and the patient's access trail."""
