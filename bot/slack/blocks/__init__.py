"""Block Kit for everything Entryway posts or opens in Slack."""
