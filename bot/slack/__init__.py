"""The Slack front end (slack-bolt), on only when SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET
are set. Events and interactions arrive over HTTP at /slack/events (bot/slack/endpoint.py)
or, when SLACK_APP_TOKEN is set, over Socket Mode; both reach the same listeners
(bot/slack/listeners), grouped by payload type as in Slack's bolt starter template.

The front end itself is in bot/slack/front_end.py, so that importing the Block Kit
builders (bot/slack/blocks, which the scheduler's notifier uses) does not load bolt,
Socket Mode and FastAPI into the scheduler, which never uses them
(docs/performance/2026-11-28-memory.md)."""
