"""The roles a party can hold (DESIGN §1)."""

ADMIN = "admin"
LENDER = "lender"
DEPARTMENT = "department"
PARK_OPERATOR = "park_operator"
VERIFIER = "verifier"
AUDITOR = "auditor"

ROLES = frozenset({ADMIN, LENDER, DEPARTMENT, PARK_OPERATOR, VERIFIER, AUDITOR})
