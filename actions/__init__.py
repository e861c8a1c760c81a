"""The rasa-sdk action server: form validation, drafts, submissions, status look-ups."""
