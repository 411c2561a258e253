"""The platform's services. Each owns its database and talks to the others only by
events (``contracts``); none imports another."""
