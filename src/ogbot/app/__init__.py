"""The application layer: the one place that wires the stages together."""
