"""The Q&A loop: a youth's message in, a recorded question and a reply out (service: QaService)."""
