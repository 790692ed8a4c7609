"""The codebook cue families: the names params.yaml (train.cue_families) and the cue features share.

Kept apart from stance.features so that reading params does not import scikit-learn.
"""

FAMILIES = ("commitment", "agent", "condition", "consequence", "urging", "negation", "past", "hedge", "monitoring")
