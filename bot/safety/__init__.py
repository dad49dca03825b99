"""Safety: crisis detection, personal-data masking, rate limits."""
