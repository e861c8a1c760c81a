"""Pilots after a submission reaches `pilot`: what the app makes of a pilot plan (the
plan itself is storage.pilots)."""
