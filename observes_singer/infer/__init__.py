"""observes-infer: JSON Schema inference for sources without a fixed schema."""
