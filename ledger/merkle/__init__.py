"""Pure RFC 9162 Merkle tree maths: hashing, proofs and their verification."""
