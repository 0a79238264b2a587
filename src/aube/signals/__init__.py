"""Private signals of one user's interests: chats, notes, feedback, curate requests.

They belong to that user alone: nothing here ever reaches a shared story or cache."""
