"""What a patient's record shows over a period: the figures (`figures`, aggregated in the database), "what seems
to matter" (`factors`, by the rules in `factor_rules`), the charts' geometry (`charts/`) and the page."""
