"""Ranking the day's stories for each user: scoring, diversity, and offline metrics."""
