"""Domain rules of the shift handover: digest, notes, sign-off and acknowledgement."""
