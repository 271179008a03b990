"""Benchmarks and load tests of the production server (``make bench``, ``make soak``)."""
