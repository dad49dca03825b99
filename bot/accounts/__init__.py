"""Accounts of grid people that the grid files cannot give: linked in the bot with a one-time
code (an official-QQ openid, which only the bot ever sees)."""
