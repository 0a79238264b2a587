"""Story summaries: one per story version, shared by every user, behind a backend Protocol."""
