"""Entry types of the v1 vocabulary (DESIGN §8): each module holds payload schemas and rules."""
