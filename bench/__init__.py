"""`make bench`: Entryway against the bot `rasa init` creates, same Rasa, same machine."""
