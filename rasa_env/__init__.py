"""The Rasa server's own environment (Python 3.10, pinned by requirements.lock)."""
