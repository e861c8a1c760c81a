"""The rasa-sdk action server: form validation, drafts, submissions, status look-ups."""

from storage import service_levels

# rasa-sdk has no start-up hook but importing this package: a malformed service-level
# file stops the action server here, naming the line, not at someone's submission.
service_levels.in_force()
