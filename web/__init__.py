"""The staff web desk: the inbox, answers, broadcasts and reports in a browser.

It runs as its own process (``smebot web``) on the bot's database and calls the same services
the bot's handlers call; nothing here decides business rules. Telegram stays the way staff
answer on the go; this is where they read, sort, answer and report at a desk.
"""
