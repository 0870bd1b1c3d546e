"""The e-mail channel: inbound parsing, quotes, noise, webhook auth, threads, senders.

Flows never see any of it: inbound mail becomes a bot.channels.base.Incoming and
replies leave through a Sender (SmtpEmailSender or FileDropEmailSender).
"""
