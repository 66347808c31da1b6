"""Notifications people read (issue 16): the kind registry, preferences, daily digests and the
message channels (e-mail, 企业微信, 钉钉) behind one adapter interface.

The one entry point for the apps stays `crm.services.notification_send` (and its bulk forms);
this package decides, per recipient and kind, whether a notification is immediate or waits for
the daily digest, and which channels carry it. See docs/notifications.md.
"""
