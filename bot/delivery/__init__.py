"""Delivery: getting the bot's messages to people on each platform."""
