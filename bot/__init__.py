"""The Entryway app: web chat, REST proxy to Rasa, public API, Slack and the scheduler."""
