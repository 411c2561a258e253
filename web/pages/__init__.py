"""The pages, one module per role; ``calls`` is how each reaches the platform's API."""
