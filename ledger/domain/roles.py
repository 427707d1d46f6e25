"""The roles a party can hold (DESIGN §1)."""

ADMIN = "admin"
LENDER = "lender"
DEPARTMENT = "department"
PARK_OPERATOR = "park_operator"
VERIFIER = "verifier"
AUDITOR = "auditor"
#: A member of the province's climate-change expert library: judges whether a park met its targets.
ASSESSOR = "assessor"

ROLES = frozenset({ADMIN, LENDER, DEPARTMENT, PARK_OPERATOR, VERIFIER, AUDITOR, ASSESSOR})
