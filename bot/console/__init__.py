"""The admin console at /console: login, dashboard, cases and the FAQ hit test, server-rendered.

Thin routes over the services of the bot (bot.qa, bot.cases, bot.faq, bot.grid); the console
adds only its accounts, sessions and audit log.
"""
