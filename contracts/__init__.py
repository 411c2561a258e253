"""What the services agree on: event types and the schemas of their data, and the few
shared vocabularies those schemas use. Services import contracts, never each other."""
