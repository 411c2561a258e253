"""Benchmarks of the platform, each against a baseline measured in the same run:
``python -m bench <scenario>`` or ``python -m bench all``. Results go to
``bench/results/<scenario>.json`` (not committed); the figures and goals are in
docs/performance.md."""
