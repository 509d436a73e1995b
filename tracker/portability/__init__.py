"""A patient's record leaving CrampApp and coming back: CSV, the JSON backup, and HL7 FHIR R4."""
