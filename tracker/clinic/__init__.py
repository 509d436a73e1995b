"""The clinician's side: the list of patients who granted access, one patient's review with the trial-grade
summary (`trial`, its windows in `trial_windows`), notes and the visit report."""
