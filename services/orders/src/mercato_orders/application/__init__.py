"""The orders application: the saga runner and the ports it drives."""
