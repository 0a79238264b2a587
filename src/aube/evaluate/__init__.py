"""Offline evaluation of pipeline stages against labelled data."""
