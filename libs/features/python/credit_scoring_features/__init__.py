"""The feature spec of @credit-scoring/features executed in Python (numpy / pandas), bit for bit like TypeScript."""
from .executor import ID, SIDE_TABLES, FeatureExecutor, FeatureInputError, credit_ids, key_slots, parse_numbers

__all__ = ["ID", "SIDE_TABLES", "FeatureExecutor", "FeatureInputError", "key_slots", "parse_numbers"]
