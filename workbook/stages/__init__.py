"""One module per stage page, built from the shared kit in `kit.py`."""
