"""The benchmark at company scale (issue 9): `make bench`; see bench/README.md."""
