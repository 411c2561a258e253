"""Sign-in: credentials, sessions, tokens, signing keys, partner sites and county
connectors (R-SSO-*). Keeps a replica of accounts from accounts events."""
