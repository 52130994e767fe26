"""A stand-in for Reddit's API (``standin.start_standin``) for real PRAW in tests and demos."""
