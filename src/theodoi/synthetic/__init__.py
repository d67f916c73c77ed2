"""Synthetic data at the size of a province or of the whole country, for benchmarks and
for tests that must see a page's cost stay flat as the data grows (``theodoi generate``)."""
