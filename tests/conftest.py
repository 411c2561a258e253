pytest_plugins = ["servicekit.testing.servers"]
