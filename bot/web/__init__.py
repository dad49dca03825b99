"""Web pages served by the bot."""
