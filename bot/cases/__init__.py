"""Cases: questions the FAQ could not answer, routed to people and answered back."""
