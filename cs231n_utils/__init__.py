"""Support code for the Training Neural Networks course."""
