"""Commands that are not pipeline stages: predict, compare, experiments, extract."""
